#!/bin/sh
# Shows that the fuzz targets find real bugs: for each mutation below, the
# sources are copied to a scratch tree (the shared files are never
# touched), one bounds check is broken there with sed, the target is
# rebuilt against the broken copy and fuzzed from its seed corpus for
# SECONDS; the mutation counts as caught if libFuzzer reports a crash.
#
#   tests/fuzz/bugcheck.sh [SECONDS]      (default 10; run from the repo root)
set -u
SECS=${1:-10}
CC=${FUZZ_CC:-clang-14}
CFLAGS="-I. -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter"
tmp=$(mktemp -d /tmp/fuzz-bugcheck.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
caught=0 missed=0

# name | target | file | sed expression | extra flags | sources
mutate() {
	name=$1 target=$2 file=$3 expr=$4 defs=$5
	shift 5
	tree=$tmp/$name
	mkdir -p "$tree/tests"
	cp -r hv lib vcpu include arch boot tools policy "$tree"/
	cp -r tests/fuzz "$tree/tests/"
	python3 tools/policy_compile.py policy/default.policy -o "$tree/default_policy.c"
	sed -i "$expr" "$tree/$file"
	if cmp -s "$file" "$tree/$file"; then
		echo "bugcheck: $name: the mutation no longer applies to $file" >&2
		missed=$((missed + 1))
		return
	fi
	echo "== $name: $target against a copy of $file with:"
	diff "$file" "$tree/$file" | sed -n 's/^[<>] /    /p'
	(cd "$tree" && $CC $CFLAGS $defs -o "$tree/$target" "tests/fuzz/$target.c" "$@") || {
		missed=$((missed + 1))
		return
	}
	mkdir -p "$tree/corpus" "$tree/art"
	# Seeds only: regression inputs of known bugs would crash at once.
	for f in tests/fuzz/corpus/"$target"/*; do
		case ${f##*/} in regress_*) ;; *) cp "$f" "$tree/corpus/" ;; esac
	done
	start=$(date +%s)
	"$tree/$target" -max_total_time="$SECS" -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$tree/art/" "$tree/corpus" >"$tree/log" 2>&1
	end=$(date +%s)
	if ls "$tree/art" | grep -q .; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tree/log")
		echo "   CAUGHT after $((end - start))s, $execs execs: $(grep -m1 '^SUMMARY' "$tree/log")"
		caught=$((caught + 1))
	else
		echo "   MISSED in ${SECS}s"
		missed=$((missed + 1))
	fi
}

# guest_gpa_ptr() without its lower bound: gpa past RAM makes
# "HV_GUEST_RAM_SIZE - gpa" wrap, so any table or data address passes.
# (Dropping the len check instead is an equivalent mutant: every caller
# passes page-aligned or page-bounded ranges, so it cannot be caught.)
mutate gpa_bound fuzz_guest_copy hv/guest_mem.c \
	's/gpa >= HV_GUEST_RAM_SIZE || len/len/' \
	-DHV_GUEST_RAM_MB=2 hv/guest_mem.c
# guest_copy_from() copies whole pages: a chunk crosses into the next page.
mutate copy_chunk fuzz_guest_copy hv/guest_mem.c \
	's/chunk = PAGE_SIZE - (gva \& (PAGE_SIZE - 1));/chunk = PAGE_SIZE;/' \
	-DHV_GUEST_RAM_MB=2 hv/guest_mem.c
# The same lower bound through the hypercall path (HC_HELLO, HC_REPORT).
mutate gpa_bound_hc fuzz_hypercall hv/guest_mem.c \
	's/gpa >= HV_GUEST_RAM_SIZE || len/len/' \
	-DHV_GUEST_RAM_MB=2 hv/hypercall.c hv/report.c hv/report_check.c hv/guest_mem.c \
	hv/actions.c hv/recovery.c hv/policy.c hv/ratelimit.c hv/watchdog.c hv/vtimer.c \
	hv/heartbeat.c hv/settings.c hv/cmdline.c hv/vm.c default_policy.c
# A segment may end past the guest RAM window.
mutate elf_memsz fuzz_elf hv/elf_load.c \
	's/ph->p_paddr > win->ram_size ||/ph->p_paddr > win->ram_size) return ELF_E_SEG_OUTSIDE; if (0 \&\&/' \
	"" hv/elf_load.c
# A bzImage's [load, load + init_size) may end past guest RAM.
mutate bz_init_size fuzz_bzimage hv/bzimage.c \
	's/limit - start >= len;/start <= limit + len;/' "" hv/bzimage.c
# Module/message strings accepted without a NUL.
mutate report_nul fuzz_report hv/report_check.c \
	's/if (!terminated(r->module, sizeof(r->module)) ||/if (0 \&\&/' "" hv/report_check.c
# A Multiboot2 tag may extend past total_size.  (The copy first gets the
# parse_mmap entry_size fix, so that the crash is the mutation's, not the
# known bug's; a no-op once the fix is in.)
mutate mb2_tag_size fuzz_mb2 boot/mb2/mb2_info.c \
	's/off + entry_size <= size;/off <= size \&\& size - off >= entry_size;/; s/t.size < 8 || t.size > total - off ||/t.size < 8 ||/' \
	"" boot/mb2/mb2_info.c hv/bootinfo.c
# cmdline_get() copies the whole value, ignoring out_size.
mutate cmdline_cap fuzz_cmdline hv/cmdline.c \
	's/if (vlen > out_size - 1)/if (vlen > out_size + 64)/' "" hv/cmdline.c

echo "bugcheck: $caught caught, $missed missed"
[ "$missed" -eq 0 ]
