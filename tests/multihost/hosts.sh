#!/usr/bin/env bash
# hosts.sh - three test "hosts" on one machine for the multi-host tests:
# network namespaces mcs-mh-ID-s (server, 198.18.0.1), mcs-mh-ID-c1
# (client, 198.18.0.2) and mcs-mh-ID-c2 (client, 198.18.0.3), each with lo
# up, the sysctls a big run needs and its own OpenSSH server on port 22 of
# its address, all joined by veth pairs to a bridge in a fourth namespace,
# mcs-mh-ID-ctl (198.18.0.254), where the harness runs. The root namespace
# gets no address, link or route; every address is in 198.18.0.0/24.
#
#   hosts.sh up ID      create it all (exit 77, saying why, when this
#                       machine cannot: not root, no sshd, no netns)
#   hosts.sh down ID    kill every process in the namespaces, delete them
#                       and the state folder; idempotent
#   hosts.sh status ID  check every part; exit 0 when all is up, else 1
#   hosts.sh env ID     print the shell variables a test sources (paths,
#                       namespace names, addresses, transports)
#   hosts.sh check      exit 77 with the reason when up would skip, else 0
#
# ID is 1-32 letters, digits or '_'. The state (keys, known_hosts,
# ssh_config, sshd configs, pid files, logs) lives in /tmp/mcs-mh-ID. up
# and down also remove what an earlier run left: the namespaces and state
# of any ID whose owner is gone. The owner is the process that ran
# `hosts.sh up` (its parent: ctest for the fixture; MCS_MH_OWNER=PID to
# name another), recorded with its start time so a reused pid is no owner.
set -euo pipefail

state_root=/tmp
sshd=${MCS_MH_SSHD:-/usr/sbin/sshd}
hosts="s c1 c2"
prog=hosts.sh

die() {
	echo "$prog: $*" >&2
	exit 1
}

skip() {
	echo "$prog: SKIP: $*" >&2
	exit 77
}

usage() {
	echo "$prog: $*; usage: hosts.sh up|down|status|env ID, or hosts.sh check" >&2
	exit 2
}

host_addr() {
	case $1 in
	s) echo 198.18.0.1 ;;
	c1) echo 198.18.0.2 ;;
	c2) echo 198.18.0.3 ;;
	ctl) echo 198.18.0.254 ;;
	esac
}

# The clients' ephemeral ports are 1024-65535 (nothing listens there but
# sshd on 22); the server's stay 32768-65535 so its listeners, below
# 32768, never share the range with a socket it opens itself.
host_port_range() {
	case $1 in
	s) echo "32768 65535" ;;
	*) echo "1024 65535" ;;
	esac
}

# Why `up` cannot run here, or nothing.
why_not_here() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "not root (uid $(id -u)): network namespaces need root"
	elif ! command -v ip >/dev/null; then
		echo "no ip command: scripts/install-deps.sh --tests installs iproute2"
	elif [ ! -x "$sshd" ]; then
		echo "$sshd is not installed: scripts/install-deps.sh --tests installs openssh-server"
	elif ! command -v ssh >/dev/null || ! command -v ssh-keygen >/dev/null; then
		echo "no ssh or ssh-keygen: apt-get install openssh-client"
	fi
}

check_id() {
	[[ $1 =~ ^[A-Za-z0-9_]{1,32}$ ]] ||
		usage "ID '$1' is not 1-32 letters, digits or '_'"
}

# Refuse to run from inside one of the namespaces: down would kill itself.
check_not_inside() {
	local here
	here=$(ip netns identify $$ 2>/dev/null || true)
	case $here in
	mcs-mh-*) die "running inside namespace $here: run hosts.sh from the root namespace" ;;
	esac
}

# Start time of a process (field 22 of /proc/PID/stat), or nothing.
start_time() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	# shellcheck disable=SC2086 # split the fields on purpose
	set -- $stat
	echo "${20}"
}

owner_alive() {
	local pid started
	read -r pid started <"$1/owner" 2>/dev/null || return 1
	[ -n "$pid" ] && [ "$(start_time "$pid")" = "$started" ]
}

# Every ID with a namespace or a state folder, one a line.
all_ids() {
	{
		ip netns list 2>/dev/null | awk '{print $1}' |
			sed -n 's/^mcs-mh-\(.*\)-\(s\|c1\|c2\|ctl\)$/\1/p'
		for d in "$state_root"/mcs-mh-*; do
			[ -d "$d" ] && echo "${d#"$state_root"/mcs-mh-}"
		done
	} | grep -E '^[A-Za-z0-9_]{1,32}$' | sort -u || true
}

ns_exists() {
	ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"
}

# Kill every process in namespace $1: TERM, up to 5 s, then KILL.
kill_ns_processes() {
	local pids tries=0
	while pids=$(ip netns pids "$1" 2>/dev/null) && [ -n "$pids" ]; do
		if [ $tries -lt 50 ]; then
			# shellcheck disable=SC2086 # one pid a word
			kill -TERM $pids 2>/dev/null || true
		else
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null || true
		fi
		tries=$((tries + 1))
		[ $tries -lt 100 ] || die "processes $pids in $1 survive SIGKILL: kill them and run hosts.sh down again"
		sleep 0.1
	done
}

# Take down everything of ID $1. Safe on a half-made or absent setup.
teardown() {
	local id=$1 dir="$state_root/mcs-mh-$1" h ns pid
	for h in $hosts; do
		# The sshd first, by its pid file, while its config path proves
		# the pid is still that sshd.
		pid=$(cat "$dir/$h/sshd.pid" 2>/dev/null || true)
		if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
			grep -qF "$dir/$h/sshd_config"; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	for h in $hosts ctl; do
		ns=mcs-mh-$id-$h
		ns_exists "$ns" || continue
		kill_ns_processes "$ns"
		ip netns delete "$ns" || die "ip netns delete $ns failed: see the message above"
	done
	rm -rf "$dir" "$dir".new.*
}

# Take down every ID whose owner is gone (all of them but live ones).
reap_stale() {
	local id
	for id in $(all_ids); do
		if ! owner_alive "$state_root/mcs-mh-$id"; then
			echo "$prog: removing mcs-mh-$id left by an earlier run (its owner is gone)" >&2
			teardown "$id"
		fi
	done
}

# Make the veth + bridge network: ctl holds br0, one veth pair per host.
make_network() {
	local id=$1 h ns
	for h in ctl $hosts; do
		ns=mcs-mh-$id-$h
		ip netns add "$ns" 2>"$dir/netns.err" ||
			skip "ip netns add $ns failed ($(cat "$dir/netns.err")): this machine cannot make network namespaces"
		# No IPv6 at all, so no link-local address appears on any link.
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
		ip -n "$ns" link set lo up
	done
	ns=mcs-mh-$id-ctl
	ip -n "$ns" link add br0 type bridge
	ip -n "$ns" addr add "$(host_addr ctl)/24" dev br0
	ip -n "$ns" link set br0 up
	for h in $hosts; do
		ip -n "$ns" link add "veth-$h" type veth peer name eth0 netns "mcs-mh-$id-$h"
		ip -n "$ns" link set "veth-$h" master br0 up
		ip -n "mcs-mh-$id-$h" addr add "$(host_addr "$h")/24" dev eth0
		ip -n "mcs-mh-$id-$h" link set eth0 up
	done
}

# The sysctls a run of many connections needs, inside each host.
set_sysctls() {
	local id=$1 h
	for h in $hosts; do
		ip netns exec "mcs-mh-$id-$h" sysctl -q -w \
			net.core.somaxconn=65535 \
			net.ipv4.tcp_max_syn_backlog=65535 \
			net.ipv4.tcp_tw_reuse=1 \
			"net.ipv4.ip_local_port_range=$(host_port_range "$h")" >/dev/null
	done
}

write_sshd_config() {
	local h=$1
	cat >"$dir/$h/sshd_config" <<EOF
# sshd of test host $h (mcs-mh-$id-$h), written by tests/multihost/hosts.sh
ListenAddress $(host_addr "$h"):22
HostKey $dir/$h/ssh_host_ed25519_key
PidFile $dir/$h/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The state folder is in /tmp (sticky, world-writable): StrictModes refuses it.
StrictModes no
PrintMotd no
# A harness starts many remote processes at once.
MaxStartups 200
MaxSessions 200
EOF
}

# Start host $1's sshd in its namespace, detached from the caller (its
# own session, no inherited output: ctest does not wait for it), and
# wait until it listens.
start_sshd() {
	local h=$1 ns=mcs-mh-$id-$1 tries=0
	mkdir -m 700 "$dir/$h"
	ssh-keygen -q -t ed25519 -N '' -C "mcs-mh-$id-$h" -f "$dir/$h/ssh_host_ed25519_key"
	write_sshd_config "$h"
	"$sshd" -t -f "$dir/$h/sshd_config" 2>"$dir/$h/sshd.log" ||
		die "sshd rejects $dir/$h/sshd_config: $(cat "$dir/$h/sshd.log")"
	setsid ip netns exec "$ns" "$sshd" -D -f "$dir/$h/sshd_config" \
		-E "$dir/$h/sshd.log" </dev/null >/dev/null 2>&1 &
	until [ -s "$dir/$h/sshd.pid" ] &&
		ip netns exec "$ns" ss -Hltn "sport = :22" | grep -q .; do
		tries=$((tries + 1))
		[ $tries -lt 100 ] || die "the sshd of $ns does not listen after 10 s: see $dir/$h/sshd.log"
		sleep 0.1
	done
	echo "$(host_addr "$h") $(cut -d' ' -f1,2 "$dir/$h/ssh_host_ed25519_key.pub")" >>"$dir/known_hosts"
}

write_client_files() {
	cat >"$dir/ssh_config" <<EOF
# ssh client settings for the mcs-mh-$id test hosts: ssh -F $dir/ssh_config
Host *
	User root
	IdentityFile $dir/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $dir/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	ConnectTimeout 10
	LogLevel ERROR
EOF
	{
		echo "# hosts.sh env $id: source this file"
		printf 'MCS_MH_ID='"'"'%s'"'"'\n' "$id"
		printf 'MCS_MH_DIR='"'"'%s'"'"'\n' "$dir"
		printf 'MCS_MH_CTL_NS='"'"'%s'"'"'\n' "mcs-mh-$id-ctl"
		printf 'MCS_MH_SERVER_NS='"'"'%s'"'"'\n' "mcs-mh-$id-s"
		printf 'MCS_MH_CLIENT1_NS='"'"'%s'"'"'\n' "mcs-mh-$id-c1"
		printf 'MCS_MH_CLIENT2_NS='"'"'%s'"'"'\n' "mcs-mh-$id-c2"
		printf 'MCS_MH_CTL_ADDR='"'"'%s'"'"'\n' "$(host_addr ctl)"
		printf 'MCS_MH_SERVER_ADDR='"'"'%s'"'"'\n' "$(host_addr s)"
		printf 'MCS_MH_CLIENT1_ADDR='"'"'%s'"'"'\n' "$(host_addr c1)"
		printf 'MCS_MH_CLIENT2_ADDR='"'"'%s'"'"'\n' "$(host_addr c2)"
		printf 'MCS_MH_SSH_KEY='"'"'%s'"'"'\n' "$dir/id_ed25519"
		printf 'MCS_MH_KNOWN_HOSTS='"'"'%s'"'"'\n' "$dir/known_hosts"
		printf 'MCS_MH_SSH_CONFIG='"'"'%s'"'"'\n' "$dir/ssh_config"
		printf 'MCS_MH_SSH_TRANSPORT='"'"'%s'"'"'\n' "ssh -F $dir/ssh_config {host}"
		printf 'MCS_MH_NETNS_TRANSPORT='"'"'%s'"'"'\n' "ip netns exec {host}"
	} >"$dir/env"
}

# On any failure of up, take down what it made.
up_exit() {
	local status=$1
	trap - EXIT
	if [ "$status" -ne 0 ]; then
		teardown "$id" || true
	fi
	exit "$status"
}

cmd_up() {
	local why owner new h
	why=$(why_not_here)
	[ -z "$why" ] || skip "$why"
	check_not_inside
	reap_stale
	dir=$state_root/mcs-mh-$id
	if [ -e "$dir" ]; then
		read -r owner _ <"$dir/owner" || true
		die "mcs-mh-$id is up, owned by pid $owner ($(tr '\0' ' ' <"/proc/$owner/cmdline" | cut -c1-60)): run hosts.sh down $id first"
	fi
	# The owner is on record before the first namespace exists, so no
	# other up can take a half-made setup for a stale one.
	owner=${MCS_MH_OWNER:-$PPID}
	new=$(mktemp -d "$dir.new.XXXXXX")
	echo "$owner $(start_time "$owner")" >"$new/owner"
	mv -T "$new" "$dir" || die "cannot make $dir: another hosts.sh up $id is running?"
	trap 'up_exit $?' EXIT
	trap 'exit 1' INT TERM HUP
	ssh-keygen -q -t ed25519 -N '' -C "mcs-mh-$id-client" -f "$dir/id_ed25519"
	cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
	make_network "$id"
	set_sysctls "$id"
	# sshd's privilege separation folder (Debian makes it at boot).
	[ -d /run/sshd ] || mkdir -m 755 /run/sshd
	: >"$dir/known_hosts"
	for h in $hosts; do
		start_sshd "$h"
	done
	write_client_files
	echo "$prog: mcs-mh-$id is up: run the harness with ip netns exec mcs-mh-$id-ctl; variables: hosts.sh env $id" >&2
}

cmd_down() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "not root (uid $(id -u)): nothing of mcs-mh-$id can exist"
	fi
	check_not_inside
	teardown "$id"
	reap_stale
	if ip netns list | grep -q "^mcs-mh-$id-"; then
		die "namespaces of mcs-mh-$id are still there after down: $(ip netns list | tr '\n' ' ')"
	fi
}

# Each line names one part and says ok or what is wrong.
cmd_status() {
	local bad=0 h ns pid addrs want
	dir=$state_root/mcs-mh-$id
	report() {
		echo "$1: $2"
		[ "$2" = ok ] || bad=1
	}
	if [ -f "$dir/env" ]; then report "state $dir" ok; else report "state $dir" missing; fi
	if owner_alive "$dir"; then report owner ok; else report owner "gone (stale)"; fi
	for h in ctl $hosts; do
		ns=mcs-mh-$id-$h
		if ! ns_exists "$ns"; then
			report "$ns" missing
			continue
		fi
		addrs=$(ip -n "$ns" -o addr show | awk '{print $4}' | sort | tr '\n' ' ')
		want="127.0.0.1/8 $(host_addr "$h")/24 "
		if [ "$addrs" = "$want" ]; then report "$ns addresses" ok; else
			report "$ns addresses" "'$addrs', want '$want'"
		fi
		[ "$h" = ctl ] && continue
		pid=$(cat "$dir/$h/sshd.pid" 2>/dev/null || true)
		if [ -n "$pid" ] && [ "$(ip netns identify "$pid" 2>/dev/null)" = "$ns" ]; then
			report "$ns sshd (pid $pid)" ok
		else
			report "$ns sshd" "not running"
		fi
		want="65535 65535 1 $(host_port_range "$h" | tr ' ' '\t')"
		addrs=$(ip netns exec "$ns" sysctl -n net.core.somaxconn \
			net.ipv4.tcp_max_syn_backlog net.ipv4.tcp_tw_reuse \
			net.ipv4.ip_local_port_range | tr '\n' ' ' | sed 's/ $//')
		if [ "$addrs" = "$want" ]; then report "$ns sysctls" ok; else
			report "$ns sysctls" "'$addrs', want '$want'"
		fi
	done
	return $bad
}

cmd_env() {
	dir=$state_root/mcs-mh-$id
	[ -f "$dir/env" ] || die "mcs-mh-$id is not up ($dir/env missing): run hosts.sh up $id"
	cat "$dir/env"
}

case ${1:-} in
check)
	[ $# -eq 1 ] || usage "check takes no ID"
	why=$(why_not_here)
	[ -z "$why" ] || skip "$why"
	exit 0
	;;
up | down | status | env)
	[ $# -eq 2 ] || usage "$1 needs one ID"
	check_id "$2"
	id=$2
	"cmd_$1"
	;;
"") usage "no command" ;;
*) usage "unknown command '$1'" ;;
esac
