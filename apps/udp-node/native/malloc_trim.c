/*
 * malloc_trim: hands the C heap's free pages back to the kernel (glibc's
 * malloc_trim(3)) for the udp-node on Node (issue 15, memory).
 *
 * Why: glibc keeps freed memory in the arena of the thread that allocated it
 * and returns only a free top of that arena, and only past a threshold that
 * grows with every large free. The storage worker that reads the zone at start
 * allocates tens of MiB there (libSQL's rows, the patch buffers it hands the
 * DNS thread). After the load that worker is replaced and the memory is free,
 * yet it stays resident: 41 MiB of a 100k-record node's 250 MiB PSS. V8 and
 * Node have no call that returns it; malloc_trim(0) walks every arena and
 * releases each whole free page (MADV_DONTNEED), wherever it lies.
 *
 * Exports trim() -> boolean: whether any memory went back. Not glibc (musl,
 * other systems): trim() does nothing and returns false.
 */
#include <node_api.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#ifdef __GLIBC__
  released = malloc_trim(0);
#endif
  napi_value result;
  if (napi_get_boolean(env, released != 0, &result) != napi_ok) return NULL;
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"trim", NULL, trim, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
