/*
 * roundtrip.c — Baton's raw-broker baseline: the "wait for callback with a task token" round trip written
 * directly against rabbitmq-c, with nothing of Baton in between. scripts/bench.sh and scripts/bench-amqp.sh
 * run it beside Baton on the same private node and print Baton's figures as a ratio of this one's.
 *
 * Mode rt (default): two connections, each with its own thread.
 *   - "orchestrator": publishes a task to <prefix>.tasks and keeps W tasks in flight; consumes callbacks from
 *     <prefix>.callbacks (manual ack) and, for each, issues the next task. Latency = task publish → callback
 *     delivered, on this connection's clock.
 *   - "worker": consumes tasks (prefetch W, manual ack) and answers each with a callback to <prefix>.callbacks.
 *     With -d 1 a task is acked only once the broker has confirmed its callback: callbacks are published in the
 *     order tasks arrive, so publish sequence k answers delivery tag k and one confirm (single or multiple)
 *     turns into one ack with the same tag and the same multiple flag.
 * Mode oneway: one connection publishes N messages (with -d 1 at most W unconfirmed), another consumes them
 *   (prefetch W, manual ack). Latency = publish → delivery.
 *
 * -d 1 (default): persistent messages, publisher confirms, durable queues. -d 0: transient, no confirms.
 * Every run is bounded by -n messages and -T seconds. Output: one line on stdout,
 *   RESULT label=… mode=… qtype=… durable=… size=… window=… n=… done=… secs=… rate=… p50_us=… p90_us=…
 *          p99_us=… max_us=… broker_cores=… bench_cores=… sys_busy_pct=… steal_pct=… nacks=… unconfirmed=…
 * and exit 0 when all N completed, 3 when the time cap ended the run first, 1 on a broker or usage error.
 *
 * Build: cc -O2 -Wall -o roundtrip roundtrip.c -lrabbitmq -lpthread   (Debian: librabbitmq-dev)
 */
#define _GNU_SOURCE
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* ---- options ---- */

struct options {
    struct amqp_connection_info broker; /* from -u, or -H/-P with guest/guest on vhost / */
    char url_copy[512];
    const char *mode;       /* rt | oneway */
    const char *queue_type; /* classic | quorum */
    const char *prefix;     /* queue name stem */
    const char *label;
    bool durable;
    size_t size;
    int window;
    uint64_t count;
    double max_seconds;
    int broker_pid;
};

static struct options opt = {
    .mode = "rt", .queue_type = "classic", .prefix = "", .label = "-", .durable = true,
    .size = 512, .window = 16, .count = 10000, .max_seconds = 30.0,
};

static void fatal(const char *format, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fatal(const char *format, ...) {
    va_list args;
    va_start(args, format);
    fputs("roundtrip: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(1);
}

static uint64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* ---- one connection, one channel ---- */

struct link {
    amqp_connection_state_t state;
    const char *role;
    uint8_t *body; /* the last delivery's body */
    size_t body_capacity, body_length;
};

/* What one wait on a connection produced. */
enum happening { NOTHING, DELIVERY, CONFIRM, REFUSAL };
struct event {
    enum happening kind;
    uint64_t tag;
    bool multiple;
};

static void expect_ok(struct link *link, const char *what) {
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(link->state);
    switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        fatal("%s %s: %s", link->role, what, amqp_error_string2(reply.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *close = reply.reply.decoded;
            fatal("%s %s: the broker closed the channel: %u %.*s", link->role, what, close->reply_code,
                  (int)close->reply_text.len, (const char *)close->reply_text.bytes);
        }
        if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            amqp_connection_close_t *close = reply.reply.decoded;
            fatal("%s %s: the broker closed the connection: %u %.*s", link->role, what, close->reply_code,
                  (int)close->reply_text.len, (const char *)close->reply_text.bytes);
        }
        fatal("%s %s: the broker answered method 0x%08x", link->role, what, reply.reply.id);
    default:
        fatal("%s %s: no reply", link->role, what);
    }
}

static void link_open(struct link *link, const char *role) {
    memset(link, 0, sizeof *link);
    link->role = role;
    link->state = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(link->state);
    if (socket == NULL) fatal("%s: cannot create a socket", role);
    int status = amqp_socket_open(socket, opt.broker.host, opt.broker.port);
    if (status != AMQP_STATUS_OK)
        fatal("%s: cannot connect to %s:%d: %s", role, opt.broker.host, opt.broker.port, amqp_error_string2(status));
    amqp_rpc_reply_t login = amqp_login(link->state, opt.broker.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
                                        opt.broker.user, opt.broker.password);
    if (login.reply_type != AMQP_RESPONSE_NORMAL) fatal("%s: login as %s refused", role, opt.broker.user);
    amqp_channel_open(link->state, 1);
    expect_ok(link, "channel.open");
    link->body_capacity = opt.size > 64 ? opt.size : 64;
    link->body = malloc(link->body_capacity);
}

static void link_close(struct link *link) {
    amqp_channel_close(link->state, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(link->state, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(link->state);
    free(link->body);
}

static void link_confirm_publishes(struct link *link) {
    amqp_confirm_select(link->state, 1);
    expect_ok(link, "confirm.select");
}

static void link_consume(struct link *link, const char *queue) {
    amqp_basic_qos(link->state, 1, 0, (uint16_t)(opt.window > 65535 ? 65535 : opt.window), 0);
    expect_ok(link, "basic.qos");
    amqp_basic_consume(link->state, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    expect_ok(link, "basic.consume");
}

static void link_publish(struct link *link, const char *queue, const uint8_t *body, size_t length) {
    amqp_basic_properties_t properties = {._flags = AMQP_BASIC_DELIVERY_MODE_FLAG,
                                          .delivery_mode = opt.durable ? 2 : 1};
    int status = amqp_basic_publish(link->state, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, &properties,
                                    (amqp_bytes_t){.len = length, .bytes = (void *)body});
    if (status != AMQP_STATUS_OK) fatal("%s basic.publish: %s", link->role, amqp_error_string2(status));
}

static void link_ack(struct link *link, uint64_t tag, bool multiple) {
    int status = amqp_basic_ack(link->state, 1, tag, multiple);
    if (status != AMQP_STATUS_OK) fatal("%s basic.ack: %s", link->role, amqp_error_string2(status));
}

/* Reads the next method (and, for a delivery, its header and body frames); waits up to timeout_ms (-1: no limit). */
static void link_next(struct link *link, struct event *event, int timeout_ms) {
    struct timeval limit = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    amqp_frame_t frame;
    event->kind = NOTHING;
    int status = amqp_simple_wait_frame_noblock(link->state, &frame, timeout_ms < 0 ? NULL : &limit);
    if (status == AMQP_STATUS_TIMEOUT) return;
    if (status != AMQP_STATUS_OK) fatal("%s: reading a frame: %s", link->role, amqp_error_string2(status));
    if (frame.frame_type != AMQP_FRAME_METHOD) fatal("%s: a frame of type %d out of place", link->role, frame.frame_type);
    amqp_method_t *method = &frame.payload.method;
    if (method->id == AMQP_BASIC_ACK_METHOD || method->id == AMQP_BASIC_NACK_METHOD) {
        bool refused = method->id == AMQP_BASIC_NACK_METHOD;
        event->kind = refused ? REFUSAL : CONFIRM;
        event->tag = refused ? ((amqp_basic_nack_t *)method->decoded)->delivery_tag
                             : ((amqp_basic_ack_t *)method->decoded)->delivery_tag;
        event->multiple = refused ? ((amqp_basic_nack_t *)method->decoded)->multiple
                                  : ((amqp_basic_ack_t *)method->decoded)->multiple;
    } else if (method->id == AMQP_BASIC_DELIVER_METHOD) {
        event->kind = DELIVERY;
        event->tag = ((amqp_basic_deliver_t *)method->decoded)->delivery_tag;
        if (amqp_simple_wait_frame(link->state, &frame) != AMQP_STATUS_OK || frame.frame_type != AMQP_FRAME_HEADER)
            fatal("%s: a delivery without its header", link->role);
        size_t length = (size_t)frame.payload.properties.body_size;
        if (length > link->body_capacity) {
            link->body_capacity = length;
            link->body = realloc(link->body, length);
        }
        for (size_t read = 0; read < length; read += frame.payload.body_fragment.len) {
            if (amqp_simple_wait_frame(link->state, &frame) != AMQP_STATUS_OK || frame.frame_type != AMQP_FRAME_BODY)
                fatal("%s: a delivery cut short", link->role);
            memcpy(link->body + read, frame.payload.body_fragment.bytes, frame.payload.body_fragment.len);
        }
        link->body_length = length;
    } else if (method->id == AMQP_CHANNEL_CLOSE_METHOD || method->id == AMQP_CONNECTION_CLOSE_METHOD) {
        fatal("%s: the broker closed the %s", link->role,
              method->id == AMQP_CHANNEL_CLOSE_METHOD ? "channel" : "connection");
    }
    amqp_maybe_release_buffers(link->state);
}

/* ---- messages: an id and a send time up front, then a JSON-ish token text, padded to the size ---- */

static void write_message(uint8_t *buffer, uint64_t id, uint64_t sent_ns, const char *field) {
    memset(buffer, ' ', opt.size);
    if (opt.size < 16) return;
    memcpy(buffer, &id, sizeof id);
    memcpy(buffer + 8, &sent_ns, sizeof sent_ns);
    char text[96];
    int length = snprintf(text, sizeof text, "{\"%s\":\"baseline-token-%016" PRIx64 "\"}", field, id);
    if (length > 0 && (size_t)length <= opt.size - 16) memcpy(buffer + 16, text, (size_t)length);
}

static uint64_t message_id(const uint8_t *body) {
    uint64_t id;
    memcpy(&id, body, sizeof id);
    return id;
}

static uint64_t message_sent_ns(const uint8_t *body) {
    uint64_t sent;
    memcpy(&sent, body + 8, sizeof sent);
    return sent;
}

/* ---- confirms: which publish sequence numbers the broker has settled ---- */

struct confirm_ledger {
    uint8_t *settled; /* indexed by publish sequence number (from 1) */
    uint64_t capacity, lowest_open, settled_count, refused_count;
};

static void ledger_init(struct confirm_ledger *ledger, uint64_t publishes) {
    ledger->capacity = publishes + 2;
    ledger->settled = calloc(ledger->capacity, 1);
    ledger->lowest_open = 1;
    ledger->settled_count = ledger->refused_count = 0;
}

static void ledger_settle(struct confirm_ledger *ledger, const struct event *event) {
    if (event->tag >= ledger->capacity) fatal("a confirm for publish %" PRIu64 ", never published", event->tag);
    for (uint64_t seq = event->multiple ? ledger->lowest_open : event->tag; seq <= event->tag; seq++) {
        if (ledger->settled[seq]) continue;
        ledger->settled[seq] = 1;
        ledger->settled_count++;
        if (event->kind == REFUSAL) ledger->refused_count++;
    }
    while (ledger->lowest_open < ledger->capacity && ledger->settled[ledger->lowest_open]) ledger->lowest_open++;
}

/* ---- the run ---- */

static char tasks_queue[160], callbacks_queue[160];
static atomic_bool consumer_ready, run_over;
static uint64_t deadline_ns;

struct outcome {
    uint64_t completed, refused, unconfirmed;
    uint64_t *latencies_ns, latency_count;
    uint64_t first_ns, last_ns;
};
static struct outcome result;

static void record_latency(uint64_t sent_ns) {
    if (result.latency_count <= opt.count) result.latencies_ns[result.latency_count++] = monotonic_ns() - sent_ns;
}

/* Waits for the confirms still owed for `published` messages, up to five seconds, then records what is left. */
static void settle_outstanding(struct link *link, struct confirm_ledger *ledger, uint64_t published) {
    uint64_t give_up = monotonic_ns() + 5000000000u;
    struct event event;
    while (opt.durable && ledger->settled_count < published && monotonic_ns() < give_up) {
        link_next(link, &event, 100);
        if (event.kind == CONFIRM || event.kind == REFUSAL) ledger_settle(ledger, &event);
    }
    result.refused = ledger->refused_count;
    result.unconfirmed = opt.durable ? published - ledger->settled_count : 0;
}

static void *worker_main(void *unused) {
    (void)unused;
    struct link link;
    link_open(&link, "worker");
    if (opt.durable) link_confirm_publishes(&link);
    link_consume(&link, tasks_queue);
    atomic_store(&consumer_ready, true);
    uint8_t *callback = malloc(opt.size > 64 ? opt.size : 64);
    struct event event;
    while (!atomic_load(&run_over)) {
        link_next(&link, &event, 100);
        if (event.kind == DELIVERY) {
            /* The work: read the task's id and time, answer with a callback of the same size. */
            uint64_t id = link.body_length >= 16 ? message_id(link.body) : 0;
            uint64_t sent = link.body_length >= 16 ? message_sent_ns(link.body) : 0;
            write_message(callback, id, sent, "taskToken");
            link_publish(&link, callbacks_queue, callback, opt.size);
            if (!opt.durable) link_ack(&link, event.tag, false);
        } else if (event.kind == CONFIRM) {
            link_ack(&link, event.tag, event.multiple); /* callback k confirmed: task k may go */
        } else if (event.kind == REFUSAL) {
            fprintf(stderr, "roundtrip: worker: the broker refused callback %" PRIu64 "\n", event.tag);
        }
    }
    free(callback);
    link_close(&link);
    return NULL;
}

static void run_round_trips(void) {
    pthread_t worker;
    pthread_create(&worker, NULL, worker_main, NULL);
    while (!atomic_load(&consumer_ready)) usleep(1000);

    struct link link;
    link_open(&link, "orchestrator");
    struct confirm_ledger ledger;
    ledger_init(&ledger, opt.count);
    if (opt.durable) link_confirm_publishes(&link);
    link_consume(&link, callbacks_queue);
    uint8_t *task = malloc(opt.size > 64 ? opt.size : 64);
    uint64_t issued = 0;
    result.first_ns = monotonic_ns();
    for (; issued < opt.count && issued < (uint64_t)opt.window; issued++) {
        write_message(task, issued, monotonic_ns(), "taskToken");
        link_publish(&link, tasks_queue, task, opt.size);
    }
    struct event event;
    while (result.completed < issued && monotonic_ns() < deadline_ns) {
        link_next(&link, &event, 200);
        if (event.kind == CONFIRM || event.kind == REFUSAL) {
            ledger_settle(&ledger, &event);
        } else if (event.kind == DELIVERY) {
            if (link.body_length >= 16) record_latency(message_sent_ns(link.body));
            link_ack(&link, event.tag, false);
            result.completed++;
            if (issued < opt.count) { /* the execution resumes: its next task */
                write_message(task, issued++, monotonic_ns(), "taskToken");
                link_publish(&link, tasks_queue, task, opt.size);
            }
        }
    }
    result.last_ns = monotonic_ns();
    settle_outstanding(&link, &ledger, issued);
    atomic_store(&run_over, true);
    pthread_join(worker, NULL);
    free(task);
    free(ledger.settled);
    link_close(&link);
}

static void *receiver_main(void *unused) {
    (void)unused;
    struct link link;
    link_open(&link, "consumer");
    link_consume(&link, tasks_queue);
    atomic_store(&consumer_ready, true);
    struct event event;
    while (result.completed < opt.count && monotonic_ns() < deadline_ns + 2000000000u) {
        link_next(&link, &event, 200);
        if (event.kind != DELIVERY) continue;
        if (link.body_length >= 16) record_latency(message_sent_ns(link.body));
        link_ack(&link, event.tag, false);
        result.completed++;
    }
    result.last_ns = monotonic_ns();
    link_close(&link);
    return NULL;
}

static void run_one_way(void) {
    pthread_t receiver;
    pthread_create(&receiver, NULL, receiver_main, NULL);
    while (!atomic_load(&consumer_ready)) usleep(1000);

    struct link link;
    link_open(&link, "producer");
    struct confirm_ledger ledger;
    ledger_init(&ledger, opt.count);
    if (opt.durable) link_confirm_publishes(&link);
    uint8_t *message = malloc(opt.size > 64 ? opt.size : 64);
    uint64_t published = 0;
    struct event event;
    result.first_ns = monotonic_ns();
    while (published < opt.count && monotonic_ns() < deadline_ns) {
        while (published < opt.count && (!opt.durable || published - ledger.settled_count < (uint64_t)opt.window)) {
            write_message(message, published, monotonic_ns(), "message");
            link_publish(&link, tasks_queue, message, opt.size);
            published++;
            if (!opt.durable && published % 1024 == 0 && monotonic_ns() >= deadline_ns) break;
        }
        if (!opt.durable) continue;
        /* One confirm at least, then whatever else has already arrived. */
        for (link_next(&link, &event, 1000); event.kind != NOTHING; link_next(&link, &event, 0))
            if (event.kind == CONFIRM || event.kind == REFUSAL) ledger_settle(&ledger, &event);
    }
    settle_outstanding(&link, &ledger, published);
    pthread_join(receiver, NULL);
    free(message);
    free(ledger.settled);
    link_close(&link);
}

/* ---- queues, CPU, report ---- */

static void declare_fresh(struct link *link, const char *name) {
    amqp_queue_delete(link->state, 1, amqp_cstring_bytes(name), 0, 0);
    expect_ok(link, "queue.delete");
    amqp_table_entry_t quorum = {.key = amqp_cstring_bytes("x-queue-type"),
                                 .value = {.kind = AMQP_FIELD_KIND_UTF8, .value.bytes = amqp_cstring_bytes("quorum")}};
    amqp_table_t arguments = strcmp(opt.queue_type, "quorum") == 0
                                 ? (amqp_table_t){.num_entries = 1, .entries = &quorum}
                                 : amqp_empty_table;
    amqp_queue_declare(link->state, 1, amqp_cstring_bytes(name), 0, 1, 0, 0, arguments);
    expect_ok(link, "queue.declare");
}

struct cpu_reading {
    double broker_s, self_s;
    unsigned long long busy, total, steal;
};

static double process_cpu_seconds(int pid) {
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *file = fopen(path, "r");
    if (file == NULL) return -1;
    size_t length = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[length] = '\0';
    const char *after_name = strrchr(text, ')');
    unsigned long user = 0, system = 0;
    if (after_name == NULL ||
        sscanf(after_name + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &user, &system) != 2)
        return -1;
    return (double)(user + system) / (double)sysconf(_SC_CLK_TCK);
}

static void read_cpu(struct cpu_reading *reading) {
    reading->broker_s = opt.broker_pid > 0 ? process_cpu_seconds(opt.broker_pid) : -1;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    reading->self_s = (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
                      usage.ru_stime.tv_usec / 1e6;
    unsigned long long ticks[8] = {0};
    FILE *file = fopen("/proc/stat", "r");
    if (file != NULL) {
        if (fscanf(file, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &ticks[0], &ticks[1], &ticks[2], &ticks[3],
                   &ticks[4], &ticks[5], &ticks[6], &ticks[7]) != 8)
            memset(ticks, 0, sizeof ticks);
        fclose(file);
    }
    reading->total = 0;
    for (int i = 0; i < 8; i++) reading->total += ticks[i];
    reading->busy = reading->total - ticks[3] - ticks[4]; /* minus idle and iowait */
    reading->steal = ticks[7];
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static double percentile_us(double fraction) {
    if (result.latency_count == 0) return 0;
    uint64_t index = (uint64_t)(fraction * (double)(result.latency_count - 1) + 0.5);
    return (double)result.latencies_ns[index] / 1000.0;
}

static void usage(void) {
    fputs("usage: roundtrip [-m rt|oneway] [-q classic|quorum] [-d 1|0] [-s bytes=512] [-w window=16]\n"
          "                 [-n count=10000] [-T max_seconds=30] [-u amqp://user:pass@host:port/vhost |\n"
          "                  -H host=127.0.0.1 -P port=5673] [-p queue_prefix] [-B broker_pid] [-l label]\n",
          stderr);
    exit(1);
}

static void parse_options(int argc, char **argv) {
    amqp_default_connection_info(&opt.broker);
    opt.broker.host = "127.0.0.1";
    opt.broker.port = 5673;
    for (int flag; (flag = getopt(argc, argv, "m:q:d:s:w:n:T:u:H:P:p:B:l:h")) != -1;) {
        switch (flag) {
        case 'm': opt.mode = optarg; break;
        case 'q': opt.queue_type = optarg; break;
        case 'd': opt.durable = atoi(optarg) != 0; break;
        case 's': opt.size = strtoul(optarg, NULL, 10); break;
        case 'w': opt.window = atoi(optarg); break;
        case 'n': opt.count = strtoull(optarg, NULL, 10); break;
        case 'T': opt.max_seconds = atof(optarg); break;
        case 'u':
            snprintf(opt.url_copy, sizeof opt.url_copy, "%s", optarg);
            if (amqp_parse_url(opt.url_copy, &opt.broker) != AMQP_STATUS_OK) fatal("not an AMQP URL: %s", optarg);
            break;
        case 'H': opt.broker.host = optarg; break;
        case 'P': opt.broker.port = atoi(optarg); break;
        case 'p': opt.prefix = optarg; break;
        case 'B': opt.broker_pid = atoi(optarg); break;
        case 'l': opt.label = optarg; break;
        default: usage();
        }
    }
    bool known_mode = strcmp(opt.mode, "rt") == 0 || strcmp(opt.mode, "oneway") == 0;
    bool known_type = strcmp(opt.queue_type, "classic") == 0 || strcmp(opt.queue_type, "quorum") == 0;
    if (!known_mode || !known_type || opt.window < 1 || opt.count < 1 || opt.max_seconds <= 0 ||
        opt.max_seconds > 3600)
        usage();
}

int main(int argc, char **argv) {
    parse_options(argc, argv);
    const char *stem = opt.prefix[0] ? opt.prefix : "baseline";
    snprintf(tasks_queue, sizeof tasks_queue, "%s.%s.tasks", stem, opt.queue_type);
    snprintf(callbacks_queue, sizeof callbacks_queue, "%s.%s.callbacks", stem, opt.queue_type);

    struct link admin;
    link_open(&admin, "admin");
    declare_fresh(&admin, tasks_queue);
    declare_fresh(&admin, callbacks_queue);
    result.latencies_ns = malloc((opt.count + 1) * sizeof(uint64_t));

    struct cpu_reading before, after;
    read_cpu(&before);
    uint64_t cpu_started = monotonic_ns();
    deadline_ns = cpu_started + (uint64_t)(opt.max_seconds * 1e9);
    if (strcmp(opt.mode, "rt") == 0) run_round_trips();
    else run_one_way();
    read_cpu(&after);
    double cpu_wall = (double)(monotonic_ns() - cpu_started) / 1e9;

    double seconds = (double)(result.last_ns - result.first_ns) / 1e9;
    qsort(result.latencies_ns, result.latency_count, sizeof(uint64_t), by_value);
    double ticks = (double)(after.total - before.total);
    printf("RESULT label=%s mode=%s qtype=%s durable=%d size=%zu window=%d n=%" PRIu64 " done=%" PRIu64
           " secs=%.3f rate=%.1f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f broker_cores=%.2f"
           " bench_cores=%.2f sys_busy_pct=%.1f steal_pct=%.1f nacks=%" PRIu64 " unconfirmed=%" PRIu64 "\n",
           opt.label, opt.mode, opt.queue_type, opt.durable, opt.size, opt.window, opt.count, result.completed,
           seconds, seconds > 0 ? (double)result.completed / seconds : 0, percentile_us(0.50), percentile_us(0.90),
           percentile_us(0.99),
           result.latency_count ? (double)result.latencies_ns[result.latency_count - 1] / 1000.0 : 0,
           opt.broker_pid > 0 ? (after.broker_s - before.broker_s) / cpu_wall : -1,
           (after.self_s - before.self_s) / cpu_wall, ticks > 0 ? 100.0 * (double)(after.busy - before.busy) / ticks : 0,
           ticks > 0 ? 100.0 * (double)(after.steal - before.steal) / ticks : 0, result.refused, result.unconfirmed);
    fflush(stdout);

    /* Leave the broker as it was found. */
    amqp_queue_delete(admin.state, 1, amqp_cstring_bytes(tasks_queue), 0, 0);
    amqp_get_rpc_reply(admin.state);
    amqp_queue_delete(admin.state, 1, amqp_cstring_bytes(callbacks_queue), 0, 0);
    amqp_get_rpc_reply(admin.state);
    link_close(&admin);
    free(result.latencies_ns);
    return result.completed == opt.count ? 0 : 3;
}
