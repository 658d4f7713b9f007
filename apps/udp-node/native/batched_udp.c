/*
 * batched_udp: a UDP socket for Node that receives with recvmmsg(2) and
 * answers with sendmmsg(2), handing JavaScript one batch per call (issue 15,
 * item 7). node:dgram makes one recvmsg, one sendmsg, one Buffer, one rinfo
 * object and one event per datagram; NSD, the peer we are measured against,
 * batches both directions.
 *
 * Shape: JavaScript allocates three arenas and passes them at open():
 *   in   BATCH slots of in_slot bytes: the received datagrams
 *   out  BATCH slots of out_slot bytes: the answers JavaScript writes
 *   meta BATCH x META_WORDS int32: per slot [0] datagram length (-1 when it
 *        did not fit its slot), [1] address family (4 or 6), [2] port,
 *        [3..6] the address bytes (16; IPv4 in the first 4), [7] answer
 *        length, written by JavaScript (0: no answer)
 * The socket is polled by the Node event loop (uv_poll, level-triggered), so
 * everything runs on the JavaScript thread: no locks, no copies between
 * threads. One readable event reads at most MAX_BATCHES_PER_EVENT batches so
 * TCP, timers and the storage worker's messages get their turn.
 *
 * Linux only (recvmmsg/sendmmsg); the node falls back to node:dgram where this
 * addon is not built (apps/udp-node/transports/udp.ts).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define META_WORDS 8
#define MAX_BATCHES_PER_EVENT 4

typedef struct {
  int fd;
  int family;
  uv_poll_t poll;
  napi_env env;
  napi_ref on_batch;
  napi_ref arenas[3];
  napi_async_context async_context;
  uint8_t *in;
  uint8_t *out;
  int32_t *meta;
  size_t in_slot;
  size_t out_slot;
  struct mmsghdr rmsgs[BATCH];
  struct iovec riov[BATCH];
  struct sockaddr_storage raddr[BATCH];
  struct mmsghdr smsgs[BATCH];
  struct iovec siov[BATCH];
  /* counters, read by stats() */
  double received, sent, send_dropped, oversized;
} udp_socket;

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, NULL, "batched_udp: N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  napi_value msg, code, error;
  char text[256];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  const char *name = err == EADDRINUSE      ? "EADDRINUSE"
                     : err == EACCES        ? "EACCES"
                     : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL"
                     : err == EINVAL        ? "EINVAL"
                                            : "EIO";
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_throw(env, error);
  return NULL;
}

/* Sends the answers JavaScript left in the out slots of a batch of n. */
static void send_answers(udp_socket *s, int n) {
  int m = 0;
  for (int i = 0; i < n; i++) {
    int32_t len = s->meta[i * META_WORDS + 7];
    if (len <= 0) continue;
    if ((size_t)len > s->out_slot) { /* JavaScript checks this; never read past a slot */
      s->oversized++;
      continue;
    }
    s->siov[m].iov_base = s->out + (size_t)i * s->out_slot;
    s->siov[m].iov_len = (size_t)len;
    memset(&s->smsgs[m].msg_hdr, 0, sizeof s->smsgs[m].msg_hdr);
    s->smsgs[m].msg_hdr.msg_name = &s->raddr[i];
    s->smsgs[m].msg_hdr.msg_namelen = s->rmsgs[i].msg_hdr.msg_namelen;
    s->smsgs[m].msg_hdr.msg_iov = &s->siov[m];
    s->smsgs[m].msg_hdr.msg_iovlen = 1;
    m++;
  }
  int done = 0;
  while (done < m) {
    int k = sendmmsg(s->fd, s->smsgs + done, (unsigned)(m - done), MSG_DONTWAIT);
    if (k > 0) {
      done += k;
      s->sent += k;
      continue;
    }
    if (k < 0 && errno == EINTR) continue;
    /* A full send buffer or a failed destination: skip that one answer, as a lost
       datagram (sendmmsg reports an error only for the first message it could not send). */
    s->send_dropped++;
    done++;
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  udp_socket *s = (udp_socket *)handle->data;
  if (status < 0 || s->fd < 0) return;
  napi_env env = s->env;
  for (int round = 0; round < MAX_BATCHES_PER_EVENT; round++) {
    for (int i = 0; i < BATCH; i++) {
      s->rmsgs[i].msg_hdr.msg_namelen = sizeof s->raddr[i];
      s->rmsgs[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(s->fd, s->rmsgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return; /* EAGAIN: drained; other errors: wait for the next event */
    s->received += n;
    for (int i = 0; i < n; i++) {
      int32_t *m = s->meta + i * META_WORDS;
      struct mmsghdr *r = &s->rmsgs[i];
      m[0] = (r->msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (int32_t)r->msg_len;
      m[7] = 0;
      uint8_t *addr = (uint8_t *)(m + 3);
      if (s->raddr[i].ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&s->raddr[i];
        m[1] = 6;
        m[2] = ntohs(a->sin6_port);
        memcpy(addr, &a->sin6_addr, 16);
      } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&s->raddr[i];
        m[1] = 4;
        m[2] = ntohs(a->sin_port);
        memset(addr, 0, 16);
        memcpy(addr, &a->sin_addr, 4);
      }
    }
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value fn, recv, count, result;
    napi_get_reference_value(env, s->on_batch, &fn);
    napi_get_global(env, &recv); /* make_callback needs an object receiver */
    napi_create_int32(env, n, &count);
    /* make_callback: promises and process.nextTick queued by the batch run after it, as
       after a node:dgram 'message' event. */
    napi_status st = napi_make_callback(env, s->async_context, recv, fn, 1, &count, &result);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error); /* a bug in the batch handler: the process's uncaught handler decides */
    }
    napi_close_handle_scope(env, scope);
    if (st != napi_ok || s->fd < 0) return; /* closed from inside the batch */
    send_answers(s, n);
    if (n < BATCH) return;
  }
}

static int parse_address(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof *a4;
    return AF_INET;
  }
  if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *len = sizeof *a6;
    return AF_INET6;
  }
  return -1;
}

static uint8_t *arena_data(napi_env env, napi_value v, size_t *len) {
  void *data = NULL;
  bool is_ab = false;
  napi_is_arraybuffer(env, v, &is_ab);
  if (!is_ab || napi_get_arraybuffer_info(env, v, &data, len) != napi_ok) return NULL;
  return (uint8_t *)data;
}

static void finalize_noop(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  (void)hint;
}

/*
 * open(host, port, onBatch, inArena, outArena, metaArena, inSlot, outSlot)
 *   -> [handle, boundPort]
 */
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 8) {
    napi_throw_type_error(env, NULL, "batched_udp.open: expected 8 arguments");
    return NULL;
  }
  char host[64];
  size_t host_len = 0;
  if (napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "batched_udp.open: host must be a string");
    return NULL;
  }
  int32_t port = 0, in_slot = 0, out_slot = 0;
  CHECK(napi_get_value_int32(env, argv[1], &port));
  CHECK(napi_get_value_int32(env, argv[6], &in_slot));
  CHECK(napi_get_value_int32(env, argv[7], &out_slot));
  size_t in_len = 0, out_len = 0, meta_len = 0;
  uint8_t *in = arena_data(env, argv[3], &in_len);
  uint8_t *out = arena_data(env, argv[4], &out_len);
  uint8_t *meta = arena_data(env, argv[5], &meta_len);
  if (port < 0 || port > 65535 || in_slot <= 0 || out_slot <= 0 || !in || !out || !meta ||
      in_len < (size_t)in_slot * BATCH || out_len < (size_t)out_slot * BATCH ||
      meta_len < sizeof(int32_t) * META_WORDS * BATCH) {
    napi_throw_range_error(env, NULL, "batched_udp.open: port or arena sizes out of range");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t ss_len;
  int family = parse_address(host, port, &ss, &ss_len);
  if (family < 0) return throw_errno(env, "batched_udp.open: host is not a numeric address", EINVAL);
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int size = 4 * 1024 * 1024; /* a tuning hint, as node:dgram's setRecvBufferSize */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  if (family == AF_INET6) {
    int only = 0; /* "::" takes IPv4 too, as node:dgram's udp6 does */
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only);
  }
  if (bind(fd, (struct sockaddr *)&ss, ss_len) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &bound_len);
  int bound_port = family == AF_INET ? ntohs(((struct sockaddr_in *)&bound)->sin_port)
                                     : ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);

  udp_socket *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return throw_errno(env, "batched_udp.open", ENOMEM);
  }
  s->fd = fd;
  s->family = family;
  s->env = env;
  s->in = in;
  s->out = out;
  s->meta = (int32_t *)meta;
  s->in_slot = (size_t)in_slot;
  s->out_slot = (size_t)out_slot;
  for (int i = 0; i < BATCH; i++) {
    s->riov[i].iov_base = in + (size_t)i * s->in_slot;
    s->riov[i].iov_len = s->in_slot;
    s->rmsgs[i].msg_hdr.msg_iov = &s->riov[i];
    s->rmsgs[i].msg_hdr.msg_iovlen = 1;
    s->rmsgs[i].msg_hdr.msg_name = &s->raddr[i];
  }
  napi_create_reference(env, argv[2], 1, &s->on_batch);
  for (int i = 0; i < 3; i++) napi_create_reference(env, argv[3 + i], 1, &s->arenas[i]);
  napi_value resource, name;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "dmp.batched_udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &s->async_context);

  uv_loop_t *loop = NULL;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init_socket(loop, &s->poll, fd);
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_readable);

  napi_value handle, bound_value, pair;
  CHECK(napi_create_external(env, s, finalize_noop, NULL, &handle));
  CHECK(napi_create_int32(env, bound_port, &bound_value));
  CHECK(napi_create_array_with_length(env, 2, &pair));
  napi_set_element(env, pair, 0, handle);
  napi_set_element(env, pair, 1, bound_value);
  return pair;
}

static udp_socket *socket_of(napi_env env, napi_value v) {
  void *p = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return (udp_socket *)p;
}

/* Reads a call's arguments into argv; its first must be a socket handle, else throws. */
static udp_socket *socket_call(napi_env env, napi_callback_info info, size_t want, napi_value *argv,
                               const char *what) {
  size_t argc = want;
  udp_socket *s = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == want)
    s = socket_of(env, argv[0]);
  if (!s) {
    char text[96];
    snprintf(text, sizeof text, "batched_udp.%s: expected a socket handle", what);
    napi_throw_type_error(env, NULL, text);
  }
  return s;
}

static void free_socket(uv_handle_t *handle) {
  udp_socket *s = (udp_socket *)handle->data;
  napi_env env = s->env;
  napi_delete_reference(env, s->on_batch);
  for (int i = 0; i < 3; i++) napi_delete_reference(env, s->arenas[i]);
  napi_async_destroy(env, s->async_context);
  free(s);
}

/* close(handle): stops polling and frees the port at once (a test rebinds it next). */
static napi_value close_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  udp_socket *s = socket_call(env, info, 1, argv, "close");
  if (!s) return NULL;
  if (s->fd < 0) return NULL;
  /* uv_close stops the poll and takes the fd out of epoll at once, so closing it next is safe. */
  uv_close((uv_handle_t *)&s->poll, free_socket);
  close(s->fd);
  s->fd = -1;
  return NULL;
}

/* sendTo(handle, bytes, family, port, address16): one answer that came later (UPDATE, AXFR). */
static napi_value send_to(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  udp_socket *s = socket_call(env, info, 5, argv, "sendTo");
  if (!s) return NULL;
  if (s->fd < 0) return NULL; /* closed: the answer is lost, as on a closed dgram socket */
  void *data = NULL, *addr = NULL;
  size_t len = 0, addr_len = 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &len, &data, &ab, &offset));
  CHECK(napi_get_typedarray_info(env, argv[4], &type, &addr_len, &addr, &ab, &offset));
  int32_t family = 0, port = 0;
  CHECK(napi_get_value_int32(env, argv[2], &family));
  CHECK(napi_get_value_int32(env, argv[3], &port));
  if (addr_len < 16 || port < 0 || port > 65535) {
    napi_throw_range_error(env, NULL, "batched_udp.sendTo: bad address");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t ss_len;
  memset(&ss, 0, sizeof ss);
  if (family == 6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    memcpy(&a->sin6_addr, addr, 16);
    ss_len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    memcpy(&a->sin_addr, addr, 4);
    ss_len = sizeof *a;
  }
  if (sendto(s->fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&ss, ss_len) < 0) s->send_dropped++;
  else s->sent++;
  return NULL;
}

/* stats(handle) -> [received, sent, sendDropped, oversized] */
static napi_value stats(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  udp_socket *s = socket_call(env, info, 1, argv, "stats");
  if (!s) return NULL;
  napi_value out, v;
  CHECK(napi_create_array_with_length(env, 4, &out));
  double values[4] = {s->received, s->sent, s->send_dropped, s->oversized};
  for (uint32_t i = 0; i < 4; i++) {
    napi_create_double(env, values[i], &v);
    napi_set_element(env, out, i, v);
  }
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendTo", NULL, send_to, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, stats, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value batch, meta_words;
  napi_create_int32(env, BATCH, &batch);
  napi_create_int32(env, META_WORDS, &meta_words);
  napi_set_named_property(env, exports, "BATCH", batch);
  napi_set_named_property(env, exports, "META_WORDS", meta_words);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
