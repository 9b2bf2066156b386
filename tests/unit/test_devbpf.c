/* SPDX-License-Identifier: GPL-2.0-or-later */
/* devbpf: rule parsing, and the built program run through a tiny interpreter of the instructions
 * the builder emits (no kernel needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "devbpf.h"
#include "error.h"
#include "util.h"

/* Run prog against one device access; returns r0, or -1 on an instruction we do not know. */
static int run(const struct bpf_insn *prog, int n, int type, unsigned access, unsigned major, unsigned minor)
{
	uint32_t ctx[3] = {(uint32_t)type | (access << 16), major, minor};
	uint64_t r[11] = {0};
	int steps = 0;
	for (int pc = 0; pc >= 0 && pc < n; pc++) {
		const struct bpf_insn *in = &prog[pc];
		uint8_t cls = BPF_CLASS(in->code);
		if (++steps > 100000)
			return -1;
		if (cls == BPF_LDX) {
			if (in->code != (BPF_LDX | BPF_MEM | BPF_W) || in->src_reg != BPF_REG_1 || in->off % 4 ||
			    in->off < 0 || in->off > 8)
				return -1;
			r[in->dst_reg] = ctx[in->off / 4];
		} else if (cls == BPF_ALU || cls == BPF_ALU64) {
			if (BPF_SRC(in->code) != BPF_K)
				return -1;
			uint64_t imm = (uint64_t)(int64_t)in->imm, v = r[in->dst_reg];
			switch (BPF_OP(in->code)) {
			case BPF_AND: v &= imm; break;
			case BPF_RSH: v >>= imm; break;
			case BPF_MOV: v = imm; break;
			default: return -1;
			}
			r[in->dst_reg] = cls == BPF_ALU ? (uint32_t)v : v;
		} else if (cls == BPF_JMP) {
			uint64_t imm = (uint64_t)(int64_t)in->imm, v = r[in->dst_reg];
			bool jump;
			switch (BPF_OP(in->code)) {
			case BPF_EXIT: return (int)r[0];
			case BPF_JA: jump = true; break;
			case BPF_JEQ: jump = v == imm; break;
			case BPF_JNE: jump = v != imm; break;
			case BPF_JSET: jump = (v & imm) != 0; break;
			default: return -1;
			}
			if (BPF_SRC(in->code) != BPF_K)
				return -1;
			if (jump)
				pc += in->off;
		} else {
			return -1;
		}
	}
	return -1; /* fell off the end */
}

#define C DEVTYPE_CHAR
#define B DEVTYPE_BLOCK
#define R DEVACC_READ
#define W DEVACC_WRITE
#define M DEVACC_MKNOD

struct prog {
	struct bpf_insn insns[1024];
	int n;
};

static void build(struct prog *p, const char *extra)
{
	struct dev_rule rules[128];
	size_t n = dev_default_rules(rules, 128);
	assert_true(n > 0);
	if (extra)
		assert_int_equal(dev_rules_parse_list(extra, rules, 128, &n), 0);
	p->n = devbpf_build(rules, n, p->insns, 1024);
	assert_true(p->n > 0);
}

static void test_defaults(void **state)
{
	(void)state;
	struct prog p;
	build(&p, NULL);
	assert_int_equal(run(p.insns, p.n, C, R | W, 1, 3), 1);    /* /dev/null */
	assert_int_equal(run(p.insns, p.n, C, R | W, 1, 9), 1);    /* urandom */
	assert_int_equal(run(p.insns, p.n, C, R | W, 136, 4), 1);  /* pts/4 */
	assert_int_equal(run(p.insns, p.n, C, R | W, 5, 2), 1);    /* ptmx */
	assert_int_equal(run(p.insns, p.n, B, M, 8, 0), 1);        /* mknod b 8:0 */
	assert_int_equal(run(p.insns, p.n, C, M, 10, 200), 1);     /* mknod c 10:200 */
	assert_int_equal(run(p.insns, p.n, B, R, 8, 0), 0);        /* open b 8:0 r */
	assert_int_equal(run(p.insns, p.n, B, R | M, 8, 0), 0);
	assert_int_equal(run(p.insns, p.n, C, R | W, 10, 200), 0); /* tun */
	assert_int_equal(run(p.insns, p.n, C, R, 1, 1), 0);        /* /dev/mem */
	assert_int_equal(run(p.insns, p.n, C, R, 3, 1), 0);
	assert_int_equal(run(p.insns, p.n, B, R, 1, 3), 0);        /* type matters */
}

static void test_override(void **state)
{
	(void)state;
	struct prog p;
	build(&p, "c:10:200:rw");
	assert_int_equal(run(p.insns, p.n, C, R | W, 10, 200), 1);
	assert_int_equal(run(p.insns, p.n, C, R, 10, 200), 1);
	assert_int_equal(run(p.insns, p.n, C, M, 10, 200), 1);     /* falls back to mknod-any */
	assert_int_equal(run(p.insns, p.n, C, R, 10, 201), 0);
	assert_int_equal(run(p.insns, p.n, B, R, 10, 200), 0);

	build(&p, "c:10:200:rw c:10:200:none");
	assert_int_equal(run(p.insns, p.n, C, R | W, 10, 200), 0);
	assert_int_equal(run(p.insns, p.n, C, R, 10, 200), 0);
	assert_int_equal(run(p.insns, p.n, C, M, 10, 200), 0);     /* none means none */
	assert_int_equal(run(p.insns, p.n, C, R | W, 1, 3), 1);

	/* a later grant re-opens what an earlier deny closed */
	build(&p, "c:1:3:none,c:1:3:r");
	assert_int_equal(run(p.insns, p.n, C, R, 1, 3), 1);
	assert_int_equal(run(p.insns, p.n, C, W, 1, 3), 0);

	build(&p, "all:rwm");
	assert_int_equal(p.n, 8); /* prologue + one block: nothing unreachable for the verifier */
	assert_int_equal(run(p.insns, p.n, B, R | W | M, 8, 0), 1);
	assert_int_equal(run(p.insns, p.n, C, R | W, 10, 200), 1);
	assert_int_equal(run(p.insns, p.n, C, R, 4095, 1048575), 1);

	build(&p, "b:8:*:r");
	assert_int_equal(run(p.insns, p.n, B, R, 8, 17), 1);
	assert_int_equal(run(p.insns, p.n, B, W, 8, 17), 0);
	assert_int_equal(run(p.insns, p.n, B, R, 9, 0), 0);

	build(&p, "c:*:*:none");
	assert_int_equal(run(p.insns, p.n, C, R | W, 1, 3), 0);
	assert_int_equal(run(p.insns, p.n, C, M, 1, 3), 0);
	assert_int_equal(run(p.insns, p.n, B, M, 8, 0), 1);
}

static void test_empty_and_nospc(void **state)
{
	(void)state;
	struct bpf_insn insns[16];
	int n = devbpf_build(NULL, 0, insns, 16);
	assert_true(n > 0);
	assert_int_equal(run(insns, n, C, R, 1, 3), 0); /* default deny */
	struct dev_rule rules[16];
	size_t nr = dev_default_rules(rules, 16);
	assert_int_equal(devbpf_build(rules, nr, insns, 16), -ENOSPC);
}

static void test_parse(void **state)
{
	(void)state;
	struct dev_rule r;
	assert_int_equal(dev_rule_parse("c:10:200:rw", &r), 0);
	assert_int_equal(r.type, DEVTYPE_CHAR);
	assert_int_equal(r.major, 10);
	assert_int_equal(r.minor, 200);
	assert_int_equal(r.access, R | W);
	assert_int_equal(dev_rule_parse("b:8:*:r", &r), 0);
	assert_int_equal(r.type, DEVTYPE_BLOCK);
	assert_int_equal(r.minor, DEV_ANY);
	assert_int_equal(r.access, R);
	assert_int_equal(dev_rule_parse("c:*:*:m", &r), 0);
	assert_int_equal(r.major, DEV_ANY);
	assert_int_equal(r.access, M);
	assert_int_equal(dev_rule_parse("all:rwm", &r), 0);
	assert_int_equal(r.type, DEVTYPE_ALL);
	assert_int_equal(r.access, R | W | M);
	assert_int_equal(dev_rule_parse("c:10:200:none", &r), 0);
	assert_int_equal(r.access, 0);
	assert_int_equal(dev_rule_parse("c:10:200:rwq", &r), 0);
	assert_int_equal(r.access, R | W);
	assert_int_equal(dev_rule_parse("b:all:rw", &r), 0);
	assert_int_equal(r.type, DEVTYPE_BLOCK);
	assert_int_equal(r.major, DEV_ANY);

	static const char *const bad[] = {"", "c", "c:10", "c:10:200", "x:10:200:rw", "c:10:200:rx",
					  "c:ten:200:r", "c:10:-1:r", "c:*:5:r", "c:10:200:", "c::200:r",
					  ":10:200:r", "c:10:200:rw:x", "all", "all:", "c:10:200:rw "};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (dev_rule_parse(bad[i], &r) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}

	struct dev_rule list[4];
	size_t n = 0;
	assert_int_equal(dev_rules_parse_list("c:1:3:r, b:8:0:w\tall:m", list, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(dev_rules_parse_list("c:1:3:r c:1:3:r", list, 4, &n), -ENOSPC);
	n = 0;
	assert_int_equal(dev_rules_parse_list("c:1:3:r bogus", list, 4, &n), -EINVAL);
	n = 0;
	assert_int_equal(dev_rules_parse_list(NULL, list, 4, &n), 0);
	assert_int_equal(n, 0);
}

static void test_from_node(void **state)
{
	(void)state;
	struct dev_rule r;
	assert_int_equal(dev_rule_from_node("null:rw", &r), 0); /* /dev/null exists everywhere */
	assert_int_equal(r.type, DEVTYPE_CHAR);
	assert_int_equal(r.major, 1);
	assert_int_equal(r.minor, 3);
	assert_int_equal(r.access, R | W);
	assert_int_equal(dev_rule_from_node("../etc/passwd:rw", &r), -EINVAL);
	assert_int_equal(dev_rule_from_node("/dev/null:rw", &r), -EINVAL);
	assert_int_equal(dev_rule_from_node("null", &r), -EINVAL);
	assert_int_equal(dev_rule_from_node("null:x", &r), -EINVAL);
	assert_int_equal(dev_rule_from_node("no-such-node-here:r", &r), -ENOENT);
}

/* One list of a container's rules for both the BPF program and v1's devices files. */
static void test_collect(void **state)
{
	(void)state;
	struct dev_rule def[DEV_MAX_RULES], rules[DEV_MAX_RULES];
	size_t nd = dev_default_rules(def, ARRAY_SIZE(def)), n = 0;
	assert_int_equal(dev_rules_collect(NULL, NULL, rules, ARRAY_SIZE(rules), &n), 0);
	assert_int_equal(n, nd);
	assert_memory_equal(rules, def, nd * sizeof(def[0]));
	/* defaults, then devices, then devnodes, in that order */
	assert_int_equal(dev_rules_collect("c:10:200:rw", "null:r,zero:w\nfull:rw", rules, ARRAY_SIZE(rules), &n), 0);
	assert_int_equal(n, nd + 4);
	assert_int_equal(rules[nd].major, 10);
	assert_int_equal(rules[nd + 1].minor, 3);
	assert_int_equal(rules[nd + 1].access, R);
	assert_int_equal(rules[nd + 3].minor, 7);
	/* bad entries are EX_DEVICES, naming them */
	assert_true(dev_rules_collect("c:10:200:rx", NULL, rules, ARRAY_SIZE(rules), &n) < 0);
	assert_int_equal(cerr_exit(), EX_DEVICES);
	assert_non_null(strstr(cerr_msg(), "c:10:200:rx"));
	cerr_clear();
	assert_int_equal(dev_rules_collect(NULL, "no-such-node-here:r", rules, ARRAY_SIZE(rules), &n), -ENOENT);
	assert_int_equal(cerr_exit(), EX_DEVICES);
	cerr_clear();
	/* full: an error, not rules silently dropped */
	assert_int_equal(dev_rules_collect(NULL, "null:r", rules, nd, &n), -ENOSPC);
	cerr_clear();
}

static void test_v1_form(void **state)
{
	(void)state;
	static const struct {
		struct dev_rule r;
		const char *line, *file;
	} cases[] = {
		{{DEVTYPE_CHAR, 1, 3, R | W | M}, "c 1:3 rwm", "devices.allow"},
		{{DEVTYPE_CHAR, DEV_ANY, DEV_ANY, M}, "c *:* m", "devices.allow"},
		{{DEVTYPE_BLOCK, 8, DEV_ANY, R}, "b 8:* r", "devices.allow"},
		{{DEVTYPE_ALL, DEV_ANY, DEV_ANY, R | W}, "a *:* rw", "devices.allow"},
		{{DEVTYPE_CHAR, 10, 200, 0}, "c 10:200 rwm", "devices.deny"}, /* none: deny all of it */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char line[64];
		assert_string_equal(dev_rule_v1(&cases[i].r, line, sizeof(line)), cases[i].file);
		assert_string_equal(line, cases[i].line);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),     cmocka_unit_test(test_override),
		cmocka_unit_test(test_empty_and_nospc), cmocka_unit_test(test_parse),
		cmocka_unit_test(test_from_node),    cmocka_unit_test(test_collect),
		cmocka_unit_test(test_v1_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
