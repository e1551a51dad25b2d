/*
 * Host unit tests for lib/flight.c, the flight recorder: the region's
 * checks (magic, version, header CRC, the seal's CRC, torn lines), the
 * ring of the last FLIGHT_LOG_RECORDS records, the capture of the last
 * mini dump, the report on the next boot and the clearing, all through
 * the real lib/log.c on log_harness.h's fake platform.
 */
#include "tests/unit/log_harness.h"

#include "lib/flight.h"

static struct flight_region region;

static int fsetup(void **state)
{
	memset(&region, 0, sizeof(region));
	return setup(state);
}

/* How many output lines have a text starting with prefix. */
static unsigned count_text(const char *prefix)
{
	struct frame f;
	unsigned n = 0;

	for (unsigned i = 0; i < out_lines(); i++) {
		line_frame(i, &f);
		if (strncmp(f.text, prefix, strlen(prefix)) == 0)
			n++;
	}
	return n;
}

static bool find_text(const char *prefix, struct frame *f)
{
	for (unsigned i = 0; i < out_lines(); i++) {
		line_frame(i, f);
		if (strncmp(f->text, prefix, strlen(prefix)) == 0)
			return true;
	}
	return false;
}

/* A boot that records n lines, a mini dump, then crashes and seals. */
static void crashed_boot(unsigned n)
{
	const struct flight_crash c = { .vector = 14, .error = 2, .rip = 0x1234, .cr2 = 0x2000000000ull };

	assert_false(flight_boot(&region)); /* cold: nothing there */
	for (unsigned i = 0; i < n; i++)
		hv_log("line %u of the crashed boot", i);
	hv_record_now(LOG_INFO, CAT_ACTION, "dump_begin id=1 level=mini cause=panic");
	hv_record_now(LOG_INFO, CAT_STAT, "dump_mem id=1 i=0 off=0 d=AAAA");
	hv_record_now(LOG_INFO, CAT_ACTION, "dump_end id=1 level=mini records=1");
	flight_save_crash(&c);
	hv_record(LOG_EMERG, CAT_ALARM, "hv_crash vector=14 and a long text %0150d", 7);
	flight_seal();
}

static void next_boot(void)
{
	setup(NULL);
}

static void test_cold_boot_is_empty(void **state)
{
	struct flight_found f;
	(void)state;

	flight_check(&region, &f);
	assert_int_equal(f.status, FLIGHT_EMPTY);
	assert_false(flight_boot(&region));
	assert_int_equal(count_text("flight_"), 0);
	flight_check(&region, &f);
	assert_int_equal(f.status, FLIGHT_OK); /* recording, not sealed */
	assert_false(f.sealed);
}

static void test_round_trip(void **state)
{
	struct flight_found f;
	struct frame fr;
	(void)state;

	crashed_boot(100);
	flight_check(&region, &f);
	assert_int_equal(f.status, FLIGHT_OK);
	assert_true(f.sealed && f.crash);
	assert_int_equal(f.records, FLIGHT_LOG_RECORDS);
	assert_int_equal(f.torn, 0);
	assert_int_equal(f.dump, FLIGHT_DUMP_COMPLETE);
	assert_int_equal(f.dump_lines, 3);

	next_boot();
	assert_true(flight_boot(&region));
	assert_true(find_text("flight_found ", &fr));
	assert_non_null(strstr(fr.text, "boot=1 sealed=yes crash=yes records=32 torn=0 dump=complete"));
	assert_true(find_text("flight_crash ", &fr));
	assert_non_null(strstr(fr.text, "vector=14 error=0x2 rip=0x1234"));
	assert_non_null(strstr(fr.text, "cr2=0x2000000000"));
	/* 32 records: the last one is long and comes in parts */
	assert_true(find_text("flight_rec i=31 part=1/3 ", &fr));
	assert_non_null(strstr(fr.text, "level=emerg cat=alarm : hv_crash vector=14"));
	assert_true(find_text("flight_rec i=0 part=1/1 ", &fr));
	/* the oldest kept: the 100 lines, 3 dump records and the crash make
	 * 104; the last 32 start at line 72 */
	assert_non_null(strstr(fr.text, ": line 72 of the crashed boot"));
	/* the dump as it was, between its markers */
	assert_true(find_text("dump_mem id=1 i=0 off=0 d=AAAA", &fr));
	assert_int_equal(count_text("flight_dump_begin lines=3"), 1);
	assert_int_equal(count_text("flight_dump_end lines=3"), 1);
	assert_int_equal(count_text("flight_end boot=1 records=32 cleared=yes"), 1);

	/* cleared: the boot after finds only this boot's own lines */
	flight_check(&region, &f);
	assert_int_equal(f.status, FLIGHT_OK);
	assert_false(f.sealed || f.crash);
	assert_int_equal(f.dump, FLIGHT_DUMP_NONE);
	next_boot();
	assert_false(flight_boot(&region));
	assert_int_equal(count_text("flight_crash"), 0);
	assert_true(find_text("flight_found ", &fr));
	assert_non_null(strstr(fr.text, "boot=2 sealed=no crash=no"));
}

static void test_bad_crc_is_ignored(void **state)
{
	struct flight_found f;
	struct frame fr;
	(void)state;

	crashed_boot(10);
	region.crash.rip ^= 1; /* a byte changed after the seal */
	flight_check(&region, &f);
	assert_int_equal(f.status, FLIGHT_BAD_CRC);
	next_boot();
	assert_false(flight_boot(&region));
	assert_true(find_text("flight_corrupt ", &fr));
	assert_non_null(strstr(fr.text, "why=bad_crc ignored=yes"));
	assert_int_equal(count_text("flight_found"), 0);
	assert_int_equal(count_text("flight_rec"), 0);
	assert_int_equal(count_text("flight_crash"), 0);
	flight_check(&region, &f); /* and cleared */
	assert_false(f.sealed);
}

static void test_header_checks(void **state)
{
	struct flight_found f;
	(void)state;

	flight_init(&region, 1);
	region.hdr.boot = 7; /* without its CRC */
	flight_check(&region, &f);
	assert_int_equal(f.status, FLIGHT_BAD_HEADER);
	flight_init(&region, 1);
	region.hdr.version = 2;
	flight_check(&region, &f);
	assert_int_equal(f.status, FLIGHT_BAD_VERSION);
	flight_init(&region, 1);
	region.hdr.magic = 0;
	flight_check(&region, &f);
	assert_int_equal(f.status, FLIGHT_EMPTY);
}

/* Unsealed (a reset nobody announced): a line torn by the reset is left
 * out and counted, the others are kept; an open dump is not re-emitted. */
static void test_torn_line_unsealed(void **state)
{
	struct flight_found f;
	(void)state;

	flight_boot(&region);
	for (unsigned i = 0; i < 5; i++)
		hv_log("line %u", i);
	hv_record_now(LOG_INFO, CAT_ACTION, "dump_begin id=1 level=mini cause=panic");
	region.log[2].line[10] ^= 0x20;
	flight_check(&region, &f);
	assert_int_equal(f.status, FLIGHT_OK);
	assert_false(f.sealed);
	assert_int_equal(f.torn, 1);
	assert_int_equal(f.records, 5); /* 4 lines, the recorder's own and the dump_begin - 1 */
	assert_int_equal(f.dump, FLIGHT_DUMP_TRUNCATED);
	next_boot();
	flight_boot(&region);
	assert_int_equal(count_text("flight_dump_begin"), 0);
	assert_int_equal(count_text("flight_rec"), 5);
}

/* A full dump is not kept; the last mini one stays. */
static void test_full_dump_not_kept(void **state)
{
	struct flight_found f;
	(void)state;

	flight_boot(&region);
	hv_record_now(LOG_INFO, CAT_ACTION, "dump_begin id=1 level=mini cause=panic");
	hv_record_now(LOG_INFO, CAT_ACTION, "dump_end id=1 level=mini records=0");
	hv_record_now(LOG_INFO, CAT_ACTION, "dump_begin id=2 level=full cause=panic");
	hv_record_now(LOG_INFO, CAT_STAT, "dump_mem id=2 i=0 off=0 d=AAAA");
	hv_record_now(LOG_INFO, CAT_ACTION, "dump_end id=2 level=full records=1");
	flight_check(&region, &f);
	assert_int_equal(f.dump, FLIGHT_DUMP_COMPLETE);
	assert_int_equal(f.dump_lines, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cold_boot_is_empty, fsetup),
		cmocka_unit_test_setup(test_round_trip, fsetup),
		cmocka_unit_test_setup(test_bad_crc_is_ignored, fsetup),
		cmocka_unit_test_setup(test_header_checks, fsetup),
		cmocka_unit_test_setup(test_torn_line_unsealed, fsetup),
		cmocka_unit_test_setup(test_full_dump_not_kept, fsetup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
