/* harness_fields.c - the table of per-step measurements (see
 * harness_fields.h) and the writers generated from it: a step's JSON
 * object, its CSV row, and the markdown list of fields. */
#include "harness_fields.h"

#include <inttypes.h>
#include <string.h>

#define ROW(type, member, json, csv, unit, when, decimals, what)               \
	{                                                                      \
		json, csv, unit, HARNESS_FIELD_##type, HARNESS_WHEN_##when,    \
		    offsetof(struct harness_step, member), decimals, what      \
	}

/* The five percentiles of a struct harness_latency. */
#define LATENCY(member, json, csv, when, what)                                 \
	ROW(REAL, member.p50, json ".p50", csv "_p50_us", "us", when, 1,       \
	    what " p50"),                                                      \
	    ROW(REAL, member.p90, json ".p90", csv "_p90_us", "us", when, 1,   \
		what " p90"),                                                  \
	    ROW(REAL, member.p99, json ".p99", csv "_p99_us", "us", when, 1,   \
		what " p99"),                                                  \
	    ROW(REAL, member.p999, json ".p999", csv "_p999_us", "us", when,   \
		1, what " p99.9"),                                             \
	    ROW(REAL, member.max, json ".max", csv "_max_us", "us", when, 1,   \
		what " max")

const struct harness_field harness_step_fields[] = {
    ROW(U64, connections, "connections", "connections", "", ALWAYS, 0,
	"the step's target count"),
    ROW(U64, established, "established", "established", "", ALWAYS, 0,
	"connections the client holds, in total"),
    ROW(U64, server_live, "server_live", "server_live", "", ALWAYS, 0,
	"connections the server holds (its shared stats); the fit's x"),
    ROW(U64, failed, "failed", "failed", "", ALWAYS, 0,
	"this step's failed connects (by errno in \"failures\")"),
    ROW(U64, dropped, "dropped", "dropped", "", ALWAYS, 0,
	"held connections the server ended (RST or FIN) so far, as the "
	"client counts them"),
    ROW(REAL, connect_rate, "connect_rate", "connect_rate", "/s", ALWAYS, 1,
	"connections established per second during the step"),
    ROW(REAL, elapsed_s, "elapsed_s", "elapsed_s", "s", ALWAYS, 3,
	"the client's time for the step's ramp"),
    LATENCY(connect_latency, "connect_latency_us", "latency", ALWAYS,
	    "connect latency of this step's connects,"),
    ROW(U64, server_user_bytes, "server_user_bytes", "server_user_bytes", "B",
	ALWAYS, 0, "PSS of the server and its workers"),
    ROW(U64, client_user_bytes, "client_user_bytes", "client_user_bytes", "B",
	ALWAYS, 0, "PSS of the client and its workers"),
    ROW(U64, kernel_bytes, "kernel_bytes", "kernel_bytes", "B", ALWAYS, 0,
	"growth of /proc/meminfo Slab since before the server started"),
    ROW(U64, tcp_mem_bytes, "tcp_mem_bytes", "tcp_mem_bytes", "B", ALWAYS, 0,
	"growth of TCP buffer pages (sockstat mem)"),
    ROW(U64, kernel_object_bytes, "kernel_object_bytes", "kernel_object_bytes",
	"B", ALWAYS, 0,
	"growth of slab objects in use (active_objs x objsize; root)"),
    ROW(REAL, user_bytes_per_conn, "user_bytes_per_conn", "user_bytes_per_conn",
	"B", CONNECTED, 1,
	"server_user_bytes / connections (fixed cost included)"),
    ROW(REAL, client_user_bytes_per_conn, "client_user_bytes_per_conn",
	"client_user_bytes_per_conn", "B", CONNECTED, 1,
	"client_user_bytes / connections"),
    ROW(REAL, kernel_bytes_per_conn, "kernel_bytes_per_conn",
	"kernel_bytes_per_conn", "B", CONNECTED, 1,
	"kernel_bytes / connections (both loopback ends, or the server's side "
	"with the TUN client: sweep.json kernel_scope)"),
    ROW(REAL, kernel_object_bytes_per_conn, "kernel_object_bytes_per_conn",
	"kernel_object_bytes_per_conn", "B", CONNECTED, 1,
	"kernel_object_bytes / connections"),
    ROW(U64, listen_overflows, "listen_overflows", "listen_overflows", "",
	ALWAYS, 0, "accept-queue overflows since the start (TcpExt)"),
    ROW(U64, listen_drops, "listen_drops", "listen_drops", "", ALWAYS, 0,
	"SYNs dropped at listeners since the start (TcpExt)"),
    ROW(REAL, server_cpu_s, "server_cpu_s", "server_cpu_s", "s", ALWAYS, 3,
	"server CPU seconds since the previous step's measurement"),
    ROW(REAL, client_cpu_s, "client_cpu_s", "client_cpu_s", "s", ALWAYS, 3,
	"client CPU seconds since the previous step's measurement"),
    ROW(FLAG, client_bound, "client_bound", "client_bound", "", ALWAYS, 0,
	"the client was the bottleneck during the ramp: its own CPU above "
	"the server's side (the TUN client's device writes count on the "
	"server's side), or the TUN client's threads busy while the machine "
	"idled"),
    ROW(UNSIGNED, server_processes, "server_processes", "server_processes", "",
	ALWAYS, 0, "server processes measured"),
    ROW(UNSIGNED, client_processes, "client_processes", "client_processes", "",
	ALWAYS, 0, "client processes measured"),
    ROW(REAL, wall_s, "wall_s", "wall_s", "s", ALWAYS, 3,
	"seconds since the sweep started"),
    ROW(U64, accepted, "accepted", "accepted", "", CONNECTED, 0,
	"server accepts during the ramp"),
    ROW(REAL, server_ramp_cpu_s, "server_ramp_cpu_s", "server_ramp_cpu_s", "s",
	CONNECTED, 4,
	"server CPU seconds from just before the ramp to settled"),
    ROW(REAL, client_ramp_cpu_s, "client_ramp_cpu_s", "client_ramp_cpu_s", "s",
	CONNECTED, 4, "client CPU seconds over the same window"),
    ROW(REAL, server_cpu_us_per_accept, "server_cpu_us_per_accept",
	"server_cpu_us_per_accept", "us", CONNECTED, 2,
	"server CPU per accepted connection during the ramp"),
    ROW(REAL, client_cpu_us_per_connect, "client_cpu_us_per_connect",
	"client_cpu_us_per_connect", "us", CONNECTED, 2,
	"client CPU per established connection during the ramp"),
    ROW(REAL, device_write_ramp_cpu_s, "device_write_ramp_cpu_s",
	"device_write_ramp_cpu_s", "s", CONNECTED, 4,
	"TUN client: the part of client_ramp_cpu_s spent writing packets "
	"into the device, which is the server kernel's receive path (0 with "
	"the kernel client)"),
    ROW(REAL, device_write_cpu_us_per_connect,
	"device_write_cpu_us_per_connect", "device_write_cpu_us_per_connect",
	"us", CONNECTED, 2,
	"device_write_ramp_cpu_s per established connection"),
    ROW(REAL, machine_ramp_cpu_s, "machine_ramp_cpu_s", "machine_ramp_cpu_s",
	"s", CONNECTED, 4,
	"the machine's busy CPU seconds (/proc/stat) over the same window"),
    ROW(REAL, machine_cpu_us_per_connect, "machine_cpu_us_per_connect",
	"machine_cpu_us_per_connect", "us", CONNECTED, 2,
	"the machine's busy CPU per established connection during the ramp"),
    ROW(REAL, tcp_objects_per_conn, "tcp_objects_per_conn",
	"tcp_objects_per_conn", "", CONNECTED, 3,
	"TCP slab objects the ramp added per connection it added to the "
	"server (1.0: server side only, 2.0: both ends; root)"),
    ROW(REAL, tcp_sockets_per_conn, "tcp_sockets_per_conn",
	"tcp_sockets_per_conn", "", CONNECTED, 3,
	"TCP sockets in use (sockstat, the sweep's namespace) since the "
	"baseline per server connection (1.0 or 2.0, as above)"),
    ROW(REAL, tcp_others_per_conn, "tcp_others_per_conn", "tcp_others_per_conn",
	"", CONNECTED, 3,
	"TCP sockets made (+) or closed (-) outside the sweep's namespace "
	"during the ramp, per connection it added: tcp_objects_per_conn's "
	"noise"),

    ROW(U64, echo_messages, "echo.messages", "echo_messages", "", ECHO, 0,
	"closed-loop echo: messages verified"),
    ROW(U64, echo_errors, "echo.errors", "echo_errors", "", ECHO, 0,
	"closed-loop echo: errors and mismatched replies"),
    ROW(REAL, echo_msgs_per_s, "echo.msgs_per_s", "echo_msgs_per_s", "/s", ECHO,
	1, "closed-loop echo: messages per second (saturation)"),
    LATENCY(echo_rtt, "echo.rtt_us", "echo_rtt", ECHO,
	    "closed-loop echo round trip,"),
    ROW(REAL, echo_server_cpu_us_per_msg, "echo.server_cpu_us_per_msg",
	"echo_server_cpu_us_per_msg", "us", ECHO, 2,
	"closed-loop echo: server CPU per message"),
    ROW(REAL, echo_client_cpu_us_per_msg, "echo.client_cpu_us_per_msg",
	"echo_client_cpu_us_per_msg", "us", ECHO, 2,
	"closed-loop echo: client CPU per message"),
    ROW(REAL, echo_machine_cpu_us_per_msg, "echo.machine_cpu_us_per_msg",
	"echo_machine_cpu_us_per_msg", "us", ECHO, 2,
	"closed-loop echo: the machine's busy CPU per message"),
    ROW(REAL, echo_device_write_cpu_us_per_msg,
	"echo.device_write_cpu_us_per_msg", "echo_device_write_cpu_us_per_msg",
	"us", ECHO, 2,
	"closed-loop echo: the TUN client's device writes per message (in "
	"its figure; the server kernel's receive path)"),
    ROW(FLAG, echo_client_bound, "echo.client_bound", "echo_client_bound", "",
	ECHO, 0,
	"closed-loop echo: the client's own CPU above the server's side (the "
	"rule of client_bound)"),
    ROW(U64, server_user_bytes_after_echo, "echo.server_user_bytes_after",
	"server_user_bytes_after_echo", "B", ECHO, 0,
	"server PSS after the echo round"),
    ROW(U64, client_user_bytes_after_echo, "echo.client_user_bytes_after",
	"client_user_bytes_after_echo", "B", ECHO, 0,
	"client PSS after the echo round"),
    ROW(U64, kernel_bytes_after_echo, "echo.kernel_bytes_after",
	"kernel_bytes_after_echo", "B", ECHO, 0,
	"Slab growth after the echo round"),

    ROW(REAL, load.offered_per_s, "load.offered_per_s", "load_offered_per_s",
	"/s", LOAD, 1, "fixed-rate load: messages per second scheduled"),
    ROW(REAL, load.sent_per_s, "load.sent_per_s", "load_sent_per_s", "/s", LOAD,
	1, "fixed-rate load: messages per second the client sent"),
    ROW(REAL, load.achieved_per_s, "load.achieved_per_s", "load_achieved_per_s",
	"/s", LOAD, 1, "fixed-rate load: echoes verified per second"),
    ROW(REAL, load.duration_s, "load.duration_s", "load_duration_s", "s", LOAD,
	3, "fixed-rate load: length of the window"),
    ROW(U64, load.connections, "load.connections", "load_connections", "", LOAD,
	0, "fixed-rate load: connections the rate was spread over"),
    ROW(U64, load.due, "load.due", "load_due", "", LOAD, 0,
	"fixed-rate load: messages due in the window"),
    ROW(U64, load.messages, "load.messages", "load_messages", "", LOAD, 0,
	"fixed-rate load: echoes verified"),
    ROW(U64, load.late, "load.late", "load_late", "", LOAD, 0,
	"fixed-rate load: messages due while their connection had one in "
	"flight"),
    ROW(U64, load.errors, "load.errors", "load_errors", "", LOAD, 0,
	"fixed-rate load: messages lost to a closed or failed connection"),
    ROW(U64, load.mismatches, "load.mismatches", "load_mismatches", "", LOAD, 0,
	"fixed-rate load: echoes with a wrong byte"),
    ROW(FLAG, load.client_could_not_offer, "load.client_could_not_offer",
	"load_client_could_not_offer", "", LOAD, 0,
	"the client sent below 98% of the offered rate"),
    LATENCY(load.rtt, "load.rtt_us", "load_rtt", LOAD,
	    "fixed-rate load: round trip from the intended send time,"),
    ROW(REAL, load.server_cpu_s, "load.server_cpu_s", "load_server_cpu_s", "s",
	LOAD, 4, "fixed-rate load: server CPU seconds in the window"),
    ROW(REAL, load.client_cpu_s, "load.client_cpu_s", "load_client_cpu_s", "s",
	LOAD, 4, "fixed-rate load: client CPU seconds in the window"),
    ROW(REAL, load.server_cpu_us_per_msg, "load.server_cpu_us_per_msg",
	"load_server_cpu_us_per_msg", "us", LOAD, 2,
	"fixed-rate load: server CPU per echoed message"),
    ROW(REAL, load.client_cpu_us_per_msg, "load.client_cpu_us_per_msg",
	"load_client_cpu_us_per_msg", "us", LOAD, 2,
	"fixed-rate load: client CPU per echoed message"),
    ROW(REAL, load.machine_cpu_us_per_msg, "load.machine_cpu_us_per_msg",
	"load_machine_cpu_us_per_msg", "us", LOAD, 2,
	"fixed-rate load: the machine's busy CPU per echoed message"),
    ROW(REAL, load.device_write_cpu_us_per_msg,
	"load.device_write_cpu_us_per_msg", "load_device_write_cpu_us_per_msg",
	"us", LOAD, 2,
	"fixed-rate load: the TUN client's device writes per message (in its "
	"figure; the server kernel's receive path)"),
    ROW(U64, load.server_user_bytes_after, "load.server_user_bytes_after",
	"load_server_user_bytes_after", "B", LOAD, 0,
	"server PSS after the load"),
    ROW(U64, load.client_user_bytes_after, "load.client_user_bytes_after",
	"load_client_user_bytes_after", "B", LOAD, 0,
	"client PSS after the load"),
    ROW(U64, load.kernel_bytes_after, "load.kernel_bytes_after",
	"load_kernel_bytes_after", "B", LOAD, 0, "Slab growth after the load"),
};

const size_t harness_step_field_count =
    sizeof(harness_step_fields) / sizeof(harness_step_fields[0]);

int harness_field_present(const struct harness_field *f,
			  const struct harness_step *s)
{
	switch (f->when) {
	case HARNESS_WHEN_ALWAYS: return 1;
	case HARNESS_WHEN_CONNECTED: return s->connections > 0;
	case HARNESS_WHEN_ECHO: return s->echoed;
	case HARNESS_WHEN_LOAD: return s->loaded;
	}
	return 0;
}

static const void *field_address(const struct harness_field *f,
				 const struct harness_step *s)
{
	return (const char *)s + f->offset;
}

double harness_field_value(const struct harness_field *f,
			   const struct harness_step *s)
{
	const void *p = field_address(f, s);
	switch (f->type) {
	case HARNESS_FIELD_U64: return (double)*(const uint64_t *)p;
	case HARNESS_FIELD_UNSIGNED: return (double)*(const unsigned *)p;
	case HARNESS_FIELD_REAL: return *(const double *)p;
	case HARNESS_FIELD_FLAG: return *(const int *)p ? 1.0 : 0.0;
	}
	return 0;
}

static json_t *field_json(const struct harness_field *f,
			  const struct harness_step *s)
{
	const void *p = field_address(f, s);
	switch (f->type) {
	case HARNESS_FIELD_U64:
		return json_integer((json_int_t) * (const uint64_t *)p);
	case HARNESS_FIELD_UNSIGNED:
		return json_integer((json_int_t) * (const unsigned *)p);
	case HARNESS_FIELD_REAL: return json_real(*(const double *)p);
	case HARNESS_FIELD_FLAG: return json_boolean(*(const int *)p);
	}
	return json_null();
}

/* Set root["a"]["b"]["c"] = value for key "a.b.c", making the objects on
 * the way. Takes the reference to value. */
static void set_path(json_t *root, const char *key, json_t *value)
{
	json_t *at = root;
	const char *dot;
	while ((dot = strchr(key, '.'))) {
		char part[64];
		size_t len = (size_t)(dot - key);
		if (len >= sizeof(part))
			len = sizeof(part) - 1;
		memcpy(part, key, len);
		part[len] = '\0';
		json_t *next = json_object_get(at, part);
		if (!json_is_object(next)) {
			next = json_object();
			json_object_set_new(at, part, next);
		}
		at = next;
		key = dot + 1;
	}
	json_object_set_new(at, key, value);
}

json_t *harness_step_json(const struct harness_step *s)
{
	json_t *j = json_object();
	for (size_t i = 0; i < harness_step_field_count; i++) {
		const struct harness_field *f = &harness_step_fields[i];
		if (harness_field_present(f, s))
			set_path(j, f->json, field_json(f, s));
	}
	json_object_set_new(j, "failures",
			    s->failures ? json_incref(s->failures)
					: json_object());
	if (s->histograms)
		json_object_set(j, "histograms", s->histograms);
	return j;
}

void harness_step_csv_header(FILE *f)
{
	fputs("step", f);
	for (size_t i = 0; i < harness_step_field_count; i++)
		fprintf(f, ",%s", harness_step_fields[i].csv);
	fputc('\n', f);
}

void harness_step_csv_row(FILE *f, size_t index, const struct harness_step *s)
{
	fprintf(f, "%zu", index);
	for (size_t i = 0; i < harness_step_field_count; i++) {
		const struct harness_field *field = &harness_step_fields[i];
		fputc(',', f);
		if (!harness_field_present(field, s))
			continue;
		const void *p = field_address(field, s);
		switch (field->type) {
		case HARNESS_FIELD_U64:
			fprintf(f, "%" PRIu64, *(const uint64_t *)p);
			break;
		case HARNESS_FIELD_UNSIGNED:
			fprintf(f, "%u", *(const unsigned *)p);
			break;
		case HARNESS_FIELD_REAL:
			fprintf(f, "%.*f", field->decimals, *(const double *)p);
			break;
		case HARNESS_FIELD_FLAG:
			fprintf(f, "%d", *(const int *)p ? 1 : 0);
			break;
		}
	}
	fputc('\n', f);
}

void harness_fields_print(FILE *f)
{
	fprintf(f, "| sweep.json key (in steps[]) | sweep.csv column | unit | "
		   "what |\n|---|---|---|---|\n");
	for (size_t i = 0; i < harness_step_field_count; i++) {
		const struct harness_field *r = &harness_step_fields[i];
		fprintf(f, "| `%s` | `%s` | %s | %s |\n", r->json, r->csv,
			r->unit[0] ? r->unit : "-", r->what);
	}
}
