#!/usr/bin/env bash
# ssh_reachable.sh ID - the multihost_ssh_reachable case: with the hosts of
# `hosts.sh up ID` up, prove both transports the harness uses reach each
# host and land in that host's namespace:
#   - `ip netns exec NS`, from the root namespace and from the control
#     one, runs a command there (its net namespace is NS's);
#   - `ssh -F <state>/ssh_config root@ADDR`, from the control namespace and
#     from the server's, reaches the sshd of each host with the test key
#     and the test known_hosts, host-key checking on (it runs the command
#     in that host's namespace);
#   - host-key checking is really on: with an empty known_hosts ssh fails,
#     and so does a key that is not the test key;
#   - hosts.sh status finds every part up, and the root namespace has no
#     198.18.0.0/15 address.
# Exit 0 pass, 1 fail, 77 skip (hosts.sh check says why).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
id=${1:?usage: ssh_reachable.sh ID}
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

"$here/hosts.sh" check || exit $?
env_text=$("$here/hosts.sh" env "$id") || {
	echo "FAIL: mcs-mh-$id is not up: the fixture multihost_hosts_up failed (see its output)" >&2
	exit 1
}
eval "$env_text"

status=$("$here/hosts.sh" status "$id") || fail "hosts.sh status $id: $(grep -v ': ok$' <<<"$status" | tr '\n' ';')"
[ -z "$(ip -o addr show to 198.18.0.0/15)" ] ||
	fail "the root namespace has a 198.18.0.0/15 address: $(ip -o addr show to 198.18.0.0/15)"

# The net namespace a command run by "$@" is in, as net:[inode].
netns_of() {
	"$@" readlink /proc/self/ns/net 2>&1
}

ssh_from() {
	local from=$1
	shift
	ip netns exec "$from" ssh -F "$MCS_MH_SSH_CONFIG" "$@"
}

for host in "$MCS_MH_SERVER_NS=$MCS_MH_SERVER_ADDR" \
	"$MCS_MH_CLIENT1_NS=$MCS_MH_CLIENT1_ADDR" \
	"$MCS_MH_CLIENT2_NS=$MCS_MH_CLIENT2_ADDR"; do
	ns=${host%%=*}
	addr=${host#*=}
	want="net:[$(stat -L -c %i "/run/netns/$ns")]"

	got=$(netns_of ip netns exec "$ns")
	[ "$got" = "$want" ] || fail "ip netns exec $ns ran in '$got', want $want"
	# As a harness in the control namespace does it.
	got=$(netns_of ip netns exec "$MCS_MH_CTL_NS" ip netns exec "$ns")
	[ "$got" = "$want" ] || fail "ip netns exec $ns from $MCS_MH_CTL_NS ran in '$got', want $want"

	for from in "$MCS_MH_CTL_NS" "$MCS_MH_SERVER_NS"; do
		got=$(netns_of ssh_from "$from" "root@$addr")
		[ "$got" = "$want" ] ||
			fail "ssh root@$addr from $from: '$got', want $want (sshd of $ns: $MCS_MH_DIR/${ns##*-}/sshd.log)"
	done

	# The same with the options spelled out, as a transport may give them.
	got=$(netns_of ip netns exec "$MCS_MH_CTL_NS" ssh -i "$MCS_MH_SSH_KEY" \
		-o UserKnownHostsFile="$MCS_MH_KNOWN_HOSTS" -o BatchMode=yes "root@$addr")
	[ "$got" = "$want" ] || fail "ssh -i KEY -o UserKnownHostsFile=FILE root@$addr: '$got', want $want"

	got=$(ssh_from "$MCS_MH_CTL_NS" -o UserKnownHostsFile=/dev/null "root@$addr" true 2>&1) &&
		fail "ssh root@$addr with an empty known_hosts succeeded: host-key checking is off"
	grep -q "Host key verification failed" <<<"$got" ||
		fail "ssh root@$addr with an empty known_hosts: '$got', want 'Host key verification failed'"
done

# A key that is not the test key is refused.
other=$(mktemp -d)
trap 'rm -rf "$other"' EXIT
ssh-keygen -q -t ed25519 -N '' -f "$other/key"
got=$(ip netns exec "$MCS_MH_CTL_NS" ssh -F /dev/null -i "$other/key" \
	-o IdentitiesOnly=yes -o UserKnownHostsFile="$MCS_MH_KNOWN_HOSTS" \
	-o BatchMode=yes "root@$MCS_MH_SERVER_ADDR" true 2>&1) &&
	fail "ssh with a key not in authorized_keys succeeded"
grep -q "Permission denied" <<<"$got" ||
	fail "ssh with a key not in authorized_keys: '$got', want 'Permission denied'"

if [ $failures -ne 0 ]; then
	echo "ssh_reachable: $failures failure(s)" >&2
	exit 1
fi
echo "ssh_reachable: 3 hosts reached by ip netns exec and by ssh from $MCS_MH_CTL_NS and $MCS_MH_SERVER_NS"
