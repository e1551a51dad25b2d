/*
 * Host unit tests for lib/log.c's ring: buffering and draining, drops
 * and their report, the slots reserved for the records that explain a
 * decision or a stop, emergency records, records made from inside the
 * logger.  The fake platform and the frame parser are in log_harness.h.
 */
#include "tests/unit/log_harness.h"

/* --- tests -------------------------------------------------------------- */

static void test_buffered_until_drain(void **state)
{
	struct frame f;
	(void)state;

	log_set_buffered(true);
	hv_log("one");
	hv_log("two");
	hv_record(LOG_MAJOR, CAT_ALARM, "three");
	assert_int_equal(out_len, 0);
	assert_int_equal(log_pending(), 3);

	assert_int_equal(log_drain(2), 2);
	assert_int_equal(out_lines(), 2);
	assert_int_equal(log_pending(), 1);
	line_frame(0, &f);
	assert_string_equal(f.text, "one");
	line_frame(1, &f);
	assert_string_equal(f.text, "two");
	assert_int_equal(log_drain(0), 1);
	line_frame(2, &f);
	assert_int_equal(f.seq, 2);
	assert_string_equal(f.text, "three");
	assert_int_equal(log_drain(0), 0);

	/* Back to unbuffered: what is pending goes out at once. */
	hv_log("four");
	assert_int_equal(out_lines(), 3);
	log_set_buffered(false);
	assert_int_equal(out_lines(), 4);
	hv_log("five");
	assert_int_equal(out_lines(), 5);
	line_frame(4, &f);
	assert_int_equal(f.seq, 4);
	assert_int_equal(log_pending(), 0);
	assert_int_equal(log_dropped_total(), 0);
}

static void test_emerg_flushes_buffered(void **state)
{
	struct frame f;
	(void)state;

	log_set_buffered(true);
	hv_log("queued");
	hv_record(LOG_EMERG, CAT_ALARM, "alarm level=emerg");
	assert_int_equal(out_lines(), 2);
	line_frame(0, &f);
	assert_string_equal(f.text, "queued");
	line_frame(1, &f);
	assert_string_equal(f.level, "emerg");
	assert_int_equal(log_pending(), 0);
}

/* An emergency record finds the ring full (buffered, nothing drained;
 * records that may use the reserve fill all of it): the ring is written
 * out first and the emergency record follows it. */
static void test_emerg_never_dropped(void **state)
{
	struct frame f;
	(void)state;

	log_set_buffered(true);
	for (unsigned i = 0; i < LOG_RING_RECORDS + 3; i++)
		hv_record(LOG_INFO, CAT_ACTION, "step n=%u", i);
	assert_int_equal(log_pending(), LOG_RING_RECORDS);
	assert_int_equal(out_len, 0);
	hv_record(LOG_EMERG, CAT_ALARM, "hv_crash vector=14");
	assert_int_equal(log_dropped_total(), 3);
	assert_int_equal(log_pending(), 0);
	/* The ring, then the drop report (it got the room first), then the
	 * emergency record. */
	assert_int_equal(out_lines(), LOG_RING_RECORDS + 2);
	line_frame(LOG_RING_RECORDS, &f);
	assert_string_equal(f.text, "log_dropped count=3 total=3");
	line_frame(LOG_RING_RECORDS + 1, &f);
	assert_string_equal(f.level, "emerg");
	assert_string_equal(f.text, "hv_crash vector=14");
}

static void expect_drop_report(unsigned line, uint64_t seq, const char *text)
{
	struct frame f;

	line_frame(line, &f);
	assert_int_equal(f.seq, seq);
	assert_string_equal(f.level, "major");
	assert_string_equal(f.cat, "stat");
	assert_string_equal(f.text, text);
}

/* Ordinary records fill LOG_RING_ORDINARY slots.  The first drop is
 * reported at the next record, in the one reserved slot the report may
 * take; the drops after it at the next drain. */
static void test_ring_overflow(void **state)
{
	enum { ORD = LOG_RING_ORDINARY };
	struct frame f;
	(void)state;

	log_set_buffered(true);
	for (unsigned i = 0; i < ORD + 5; i++)
		hv_record(LOG_INFO, CAT_TICK, "tick n=%u", i);
	assert_int_equal(out_len, 0);
	assert_int_equal(log_pending(), ORD + 1);
	assert_int_equal(log_dropped_total(), 5);
	assert_int_equal(log_drain(0), ORD + 2);
	for (unsigned i = 0; i < ORD; i++) {
		line_frame(i, &f);
		assert_int_equal(f.seq, i);
	}
	expect_drop_report(ORD, ORD + 1, "log_dropped count=1 total=1");
	expect_drop_report(ORD + 1, ORD + 6, "log_dropped count=4 total=5");

	/* Second burst: a drain that runs out of budget queues the report
	 * of what is still unreported, and it goes out with the next drain. */
	out_len = 0;
	const uint64_t base = ORD + 7;
	for (unsigned i = 0; i < ORD + 2; i++)
		hv_record(LOG_INFO, CAT_TICK, "tick n=%u", i);
	assert_int_equal(log_dropped_total(), 7);
	assert_int_equal(log_drain(10), 10);
	assert_int_equal(log_pending(), ORD + 1 - 10 + 1);
	hv_log("after");
	assert_int_equal(log_drain(0), ORD - 10 + 3);
	for (unsigned i = 0; i < ORD; i++) {
		line_frame(i, &f);
		assert_int_equal(f.seq, base + i);
	}
	expect_drop_report(ORD, base + ORD + 1, "log_dropped count=1 total=6");
	expect_drop_report(ORD + 1, base + ORD + 3, "log_dropped count=1 total=7");
	line_frame(ORD + 2, &f);
	assert_int_equal(f.seq, base + ORD + 4);
	assert_string_equal(f.text, "after");
	assert_int_equal(log_pending(), 0);

	/* Report first, then the record, when a record finds room. */
	out_len = 0;
	for (unsigned i = 0; i < ORD + 1; i++)
		hv_log("x");
	assert_int_equal(log_drain(1), 1);
	/* Room for one ordinary record: the report takes it, the new record
	 * is dropped. */
	hv_log("lost");
	assert_int_equal(log_dropped_total(), 9);
	log_set_buffered(false);
	line_frame(ORD, &f);
	assert_string_equal(f.text, "log_dropped count=1 total=8");
	line_frame(ORD + 1, &f);
	assert_string_equal(f.text, "log_dropped count=1 total=9");
	assert_int_equal(out_lines(), ORD + 2);
}

/* Ordinary records of every kind a guest can trigger: info and minor
 * log lines, events, stats, ticks. */
static void flood(unsigned n)
{
	static const enum log_cat ordinary[] = { CAT_LOG, CAT_EVENT, CAT_STAT, CAT_TICK };

	for (unsigned i = 0; i < n; i++)
		hv_record(i % 2 ? LOG_MINOR : LOG_INFO, ordinary[i % 4], "guest line n=%u", i);
}

/* The sum of the log_dropped counts in the output. */
static uint64_t reported_drops(void)
{
	struct frame f;
	uint64_t sum = 0;

	for (unsigned i = 0; i < out_lines(); i++) {
		line_frame(i, &f);
		if (strncmp(f.text, "log_dropped count=", 18) == 0)
			sum += strtoull(f.text + 18, NULL, 10);
	}
	return sum;
}

/* A flood of ordinary records (a guest that logs in a loop), then one
 * incident that ends in a stop: every record that explains it gets in,
 * in order, with no gap in its seq; the ordinary records are dropped and
 * counted, and the counts reach the reader. */
static void test_reserve_after_flood(void **state)
{
	static const struct {
		enum log_level level;
		enum log_cat cat;
		const char *text;
	} incident[] = {
		{ LOG_MAJOR, CAT_EVENT, "hang missed=2" }, /* by its level */
		{ LOG_INFO, CAT_DECISION, "match rule=any_hang action=reset" },
		{ LOG_MAJOR, CAT_ALARM, "alarm id=1 level=major" },
		{ LOG_INFO, CAT_ACTION, "reset scheduled backoff_ms=100" },
		{ LOG_MAJOR, CAT_OUTCOME, "timeout action=reset next=park" },
		{ LOG_INFO, CAT_ACTION, "park reason=test" },
		{ LOG_MINOR, CAT_ALARM, "alarm id=2 category=parked" }, /* by its category */
		{ LOG_INFO, CAT_OUTCOME, "guest stopped: parked" },
	};
	enum { N = sizeof(incident) / sizeof(incident[0]), ORD = LOG_RING_ORDINARY };
	const unsigned flooded = 3 * LOG_RING_RECORDS;
	struct frame f;
	char want[64];
	(void)state;

	log_set_buffered(true);
	flood(flooded);
	/* The ordinary slots, and the first drop's report in the reserve:
	 * more drops do not queue more reports there. */
	assert_int_equal(log_pending(), ORD + 1);
	for (unsigned i = 0; i < N; i++)
		hv_record(incident[i].level, incident[i].cat, "%s", incident[i].text);
	hv_record(LOG_MINOR, CAT_EVENT, "ordinary after the incident");
	assert_int_equal(log_pending(), ORD + 1 + N);
	assert_int_equal(log_drain(0), ORD + 1 + N + 1);

	expect_drop_report(ORD, ORD + 1, "log_dropped count=1 total=1");
	line_frame(ORD + 1, &f);
	const uint64_t first = f.seq;
	assert_int_equal(first, flooded + 1); /* after every flooded seq and the report */
	for (unsigned i = 0; i < N; i++) {
		line_frame(ORD + 1 + i, &f);
		assert_int_equal(f.seq, first + i);
		assert_string_equal(f.text, incident[i].text);
	}
	const uint64_t dropped = flooded - ORD + 1;
	snprintf(want, sizeof(want), "log_dropped count=%llu total=%llu",
		 (unsigned long long)(dropped - 1), (unsigned long long)dropped);
	expect_drop_report(ORD + 1 + N, first + N + 1, want);
	assert_int_equal(log_dropped_total(), dropped);
	assert_int_equal(reported_drops(), dropped);
}

/* The reserve is bounded: after the report's slot, LOG_RESERVED - 1
 * explaining records fit and the next is dropped (a flood of them cannot
 * grow the ring); an emergency record still gets out. */
static void test_reserve_is_bounded(void **state)
{
	struct frame f;
	char want[32];
	(void)state;

	log_set_buffered(true);
	flood(LOG_RING_ORDINARY + 1); /* a drop: its report comes with the next record */
	for (unsigned i = 0; i < LOG_RESERVED - 1; i++)
		hv_record(LOG_INFO, CAT_DECISION, "match n=%u", i);
	assert_int_equal(log_pending(), LOG_RING_RECORDS);
	assert_int_equal(log_dropped_total(), 1);
	hv_record(LOG_INFO, CAT_OUTCOME, "one too many");
	assert_int_equal(log_dropped_total(), 2);
	assert_int_equal(out_len, 0);
	hv_record(LOG_EMERG, CAT_ALARM, "hv_crash vector=14");
	assert_int_equal(out_lines(), LOG_RING_RECORDS + 2);
	line_frame(LOG_RING_RECORDS - 1, &f);
	snprintf(want, sizeof(want), "match n=%u", LOG_RESERVED - 2);
	assert_string_equal(f.text, want);
	expect_drop_report(LOG_RING_RECORDS, LOG_RING_RECORDS + 2, "log_dropped count=1 total=2");
	line_frame(LOG_RING_RECORDS + 1, &f);
	assert_string_equal(f.text, "hv_crash vector=14");
}

/* Log-only decisions a guest floods (held reserve) stop at the ordinary
 * limit like any ordinary record; the reserve is still whole for the
 * decision that resets or parks the guest. */
static void test_held_reserve(void **state)
{
	(void)state;

	log_set_buffered(true);
	flood(LOG_RING_ORDINARY - 1);
	log_hold_reserve(true);
	for (unsigned i = 0; i < 40; i++) {
		hv_record(LOG_MAJOR, CAT_EVENT, "blocked_msr n=%u", i);
		hv_record(LOG_INFO, CAT_DECISION, "match rule=any_blocked_msr action=log");
		hv_record(LOG_INFO, CAT_OUTCOME, "logged guest_continues=yes");
	}
	log_hold_reserve(false);
	assert_int_equal(log_pending(), LOG_RING_ORDINARY + 1); /* + the log_dropped report */
	for (unsigned i = 0; i < LOG_RESERVED - 1; i++)
		hv_record(LOG_INFO, CAT_DECISION, "match rule=any_hang action=reset n=%u", i);
	assert_int_equal(log_pending(), LOG_RING_RECORDS);
	assert_int_equal(log_dropped_total(), 40 * 3 - 1); /* all the held ones but the first */
}

static void test_nested_record(void **state)
{
	struct frame f;
	(void)state;

	/* A record made while the logger is writing: straight to the port. */
	nest_from_write = 1;
	hv_log("outer");
	assert_int_equal(out_lines(), 2);
	line_frame(0, &f);
	assert_int_equal(f.seq, 0);
	assert_string_equal(f.text, "outer");
	line_frame(1, &f);
	assert_int_equal(f.seq, 1);
	assert_string_equal(f.text, "nested depth=0");
	assert_string_equal(f.level, "emerg");

	/* A record made while writing the nested one: only counted, and
	 * reported by the outer record's drain, after the seq gap. */
	nest_from_write = 2;
	hv_log("outer2");
	assert_int_equal(out_lines(), 5);
	line_frame(2, &f);
	assert_int_equal(f.seq, 2);
	line_frame(3, &f);
	assert_int_equal(f.seq, 3);
	assert_string_equal(f.text, "nested depth=1");
	assert_int_equal(log_dropped_total(), 1);
	assert_int_equal(nest_from_write, 0);
	line_frame(4, &f);
	assert_int_equal(f.seq, 5);
	assert_string_equal(f.text, "log_dropped count=1 total=1");
	hv_log("next");
	line_frame(5, &f);
	assert_int_equal(f.seq, 6);
	assert_int_equal(log_pending(), 0);
}

static void test_drain_inside_logger(void **state)
{
	(void)state;

	log_set_buffered(true);
	hv_log("a");
	hv_log("b");
	drain_from_write = true;
	assert_int_equal(log_drain(0), 2);
	assert_int_equal(inner_drain_result, 0);
	assert_int_equal(out_lines(), 2);
	assert_int_equal(log_pending(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_buffered_until_drain, setup),
		cmocka_unit_test_setup(test_emerg_flushes_buffered, setup),
		cmocka_unit_test_setup(test_emerg_never_dropped, setup),
		cmocka_unit_test_setup(test_ring_overflow, setup),
		cmocka_unit_test_setup(test_reserve_after_flood, setup),
		cmocka_unit_test_setup(test_reserve_is_bounded, setup),
		cmocka_unit_test_setup(test_held_reserve, setup),
		cmocka_unit_test_setup(test_nested_record, setup),
		cmocka_unit_test_setup(test_drain_inside_logger, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
