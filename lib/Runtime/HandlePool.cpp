//===- HandlePool.cpp - Per-thread reuse of streams and events ------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Generated host code creates a stream at the start of every call and
// destroys it at the end (mgpuStreamCreate / mgpuStreamDestroy), and
// upstream's async lowering does the same with events. Creating a stream
// costs the driver several microseconds and a destroy may wait on it, which
// at decode is a visible share of a layer. So each thread keeps the handles
// its calls gave back and hands them out again.
//
// Reusing a stream is always correct: work queued on a reused stream runs
// after whatever an earlier user left on it (a stream is in order), which
// is at most stricter ordering than a fresh stream, never looser. An event
// handed out again is re-recorded before anyone waits on it (the ABI's
// contract), so its earlier state does not matter. Handles belong to the
// context of the device current when they were made: when the current
// device changes, a thread's pooled handles are destroyed, not reused. A
// thread's handles are destroyed when it exits (a pthread key destructor);
// the main thread's live until the process ends.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <pthread.h>

using namespace moe::runtime;

namespace {

/// At most this many handles of each kind wait for reuse per thread, and
/// at most this many handed out are remembered; a handle given back that
/// was not remembered, or that finds the pool full, is destroyed.
constexpr unsigned kMaxPooled = 8;

/// Handles of one kind: those waiting for reuse (all made by `device`) and
/// those handed out, each with the device current when it was made.
template <typename Handle> struct HandleSet {
  Handle pooled[kMaxPooled] = {};
  unsigned numPooled = 0;
  Handle out[kMaxPooled] = {};
  const Device *outDevice[kMaxPooled] = {};
  unsigned numOut = 0;

  void handOut(Handle handle, const Device *device) {
    if (numOut < kMaxPooled) {
      out[numOut] = handle;
      outDevice[numOut++] = device;
    }
  }
  /// Whether `handle` was handed out by this set while `device` was
  /// current; forgets it either way.
  bool takeBack(Handle handle, const Device *device) {
    for (unsigned i = 0; i < numOut; ++i) {
      if (out[i] != handle)
        continue;
      bool same = outDevice[i] == device;
      out[i] = out[numOut - 1];
      outDevice[i] = outDevice[--numOut];
      return same;
    }
    return false;
  }
};

struct ThreadHandles {
  /// The device whose context made the pooled handles.
  const Device *device = nullptr;
  HandleSet<MoeStream> streams;
  HandleSet<MoeEvent> events;
};

/// Destroys the pooled (not the handed-out) handles.
void destroyPooled(ThreadHandles &handles) {
  // Failures here are not the caller's: the handles are simply gone (for
  // instance the driver already shut down at process exit).
  for (unsigned i = 0; i < handles.streams.numPooled; ++i)
    (void)destroyStream("moe stream pool", false, handles.streams.pooled[i]);
  for (unsigned i = 0; i < handles.events.numPooled; ++i)
    (void)destroyEvent("moe event pool", false, handles.events.pooled[i]);
  handles.streams.numPooled = handles.events.numPooled = 0;
}

void freeThreadHandles(void *pointer) {
  auto *handles = static_cast<ThreadHandles *>(pointer);
  destroyPooled(*handles);
  delete handles;
}

/// Heap-allocated and freed by a pthread key destructor, like the thread's
/// error message: generated code's module destructors run mgpu* calls after
/// thread_local destructors.
thread_local ThreadHandles *threadHandles = nullptr;

/// The calling thread's handles; the pooled ones are destroyed first if the
/// current device changed since they were made.
ThreadHandles &handlesOfThread() {
  if (!threadHandles) {
    threadHandles = new ThreadHandles();
    static pthread_key_t key;
    static bool haveKey = pthread_key_create(&key, freeThreadHandles) == 0;
    if (haveKey)
      pthread_setspecific(key, threadHandles);
  }
  const Device *device = currentDevice();
  if (threadHandles->device != device) {
    destroyPooled(*threadHandles);
    threadHandles->device = device;
  }
  return *threadHandles;
}

/// Hands out a pooled handle or makes one with `create`.
template <typename Handle, typename Create>
MoeStatus take(HandleSet<Handle> ThreadHandles::*member, Handle *handle,
               Create create) {
  ThreadHandles &handles = handlesOfThread();
  HandleSet<Handle> &set = handles.*member;
  if (set.numPooled > 0) {
    *handle = set.pooled[--set.numPooled];
  } else if (MoeStatus status = create(handle)) {
    return status;
  }
  // Made now, the current device is the one that made it (a first call
  // initializes the runtime inside `create`).
  set.handOut(*handle, currentDevice());
  return MOE_SUCCESS;
}

/// Pools `handle` if this thread handed it out under the current device and
/// there is room; destroys it with `destroy` otherwise.
template <typename Handle, typename Destroy>
MoeStatus giveBack(HandleSet<Handle> ThreadHandles::*member, Handle handle,
                   Destroy destroy) {
  if (!handle)
    return destroy(handle); // The error for a null handle.
  ThreadHandles &handles = handlesOfThread();
  HandleSet<Handle> &set = handles.*member;
  if (!set.takeBack(handle, handles.device) || !handles.device ||
      set.numPooled == kMaxPooled)
    return destroy(handle);
  set.pooled[set.numPooled++] = handle;
  return MOE_SUCCESS;
}

} // namespace

MoeStatus moe::runtime::takeStream(const char *fn, MoeStream *stream) {
  MOE_CHECK_NOT_NULL(fn, stream);
  return take(&ThreadHandles::streams, stream, [&](MoeStream *created) {
    return createStream(fn, true, created);
  });
}

MoeStatus moe::runtime::giveBackStream(const char *fn, MoeStream stream) {
  return giveBack(&ThreadHandles::streams, stream, [&](MoeStream destroyed) {
    return destroyStream(fn, true, destroyed);
  });
}

MoeStatus moe::runtime::takeEvent(const char *fn, MoeEvent *event) {
  MOE_CHECK_NOT_NULL(fn, event);
  return take(&ThreadHandles::events, event, [&](MoeEvent *created) {
    return createEvent(fn, true, /*timing=*/false, created);
  });
}

MoeStatus moe::runtime::giveBackEvent(const char *fn, MoeEvent event) {
  return giveBack(&ThreadHandles::events, event, [&](MoeEvent destroyed) {
    return destroyEvent(fn, true, destroyed);
  });
}
