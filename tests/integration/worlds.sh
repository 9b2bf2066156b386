# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the tests that run a second cellctl installation beside the test's own (t_sec_worlds,
# t_sec_worlds_net), after lib.sh, with CT set to the CTID both worlds use.
# ---- the worlds --------------------------------------------------------------------------
# World A is the test's own ($CONF, parent = self/$CG_NAME). mkworld NAME PARENT BLOCK writes a
# second installation's config below $TMPD/NAME: its own container, private, run and log paths,
# the same bridge, and its own user-ID block (BLOCK: 1..31 blocks above A's base).
mkworld() {
	local w=$TMPD/$1
	mkdir -p "$w/ct" "$w/private" "$w/template/cache" "$w/run"
	cp "$TPL_DIR"/cache/* "$w/template/cache/"
	cat > "$w/cellctl.conf" <<-EOF
		; a second cellctl installation for t_sec_worlds ($CCT_ID)
		[paths]
		config_dir   = ct
		private_dir  = private
		template_dir = template
		recipe_dir   = $SRCDIR/templates
		sample_dir   = $SRCDIR/conf
		run_dir      = run
		log_file     = cellctl.log
		[cgroup]
		parent = $2
		[network]
		bridge = $BRIDGE
		ipadd_mode = bridged
		[userns]
		default = yes
		base    = $((USERNS_BASE + $3 * USERNS_SIZE))
		size    = $USERNS_SIZE
		[defaults]
		ostemplate = busybox
	EOF
	WORLDS+=("$w")
}
WORLDS=()
# in WORLD: run cellctl of that world in the test's netns
in_world() {
	local w=$1
	shift
	CELLCTL_CONF=$w/cellctl.conf nsenter --net="/run/netns/$NS" -- "$CELLCTL" "$@"
}
# every world's container goes at the end, even when the test fails (before lib.sh's cleanup)
worlds_cleanup() {
	local w
	for w in "${WORLDS[@]}"; do
		timeout 30 env CELLCTL_CONF="$w/cellctl.conf" nsenter --net="/run/netns/$NS" -- "$CELLCTL" stop "$CT" --fast >/dev/null 2>&1
		timeout 30 env CELLCTL_CONF="$w/cellctl.conf" nsenter --net="/run/netns/$NS" -- "$CELLCTL" destroy "$CT" >/dev/null 2>&1
	done
}
