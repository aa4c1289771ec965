// cuda_emu.cpp: fiber scheduler, guarded device memory, fault recovery and runtime API of the CUDA emulation.
//
// Design notes (why things are the way they are):
//  * Library code never calls exit/abort/assert: it is loaded into a JVM.
//  * Context switching: on x86-64 a tiny hand-written switch (callee-saved registers only) is used because
//    glibc's swapcontext makes a sigprocmask system call per switch, which dominates barrier-heavy kernels.
//    MXCSR/x87 control words are not switched (reloading them is slow and kernels cannot change FP modes).
//    Elsewhere (or with -DGRADSIGN_EMU_UCONTEXT) ucontext is used.
//  * A waiting fiber switches directly to the next runnable fiber; the scheduler only regains control when
//    no fiber can run (block finished, deadlock, or fault).
//  * Fault recovery: a SIGSEGV/SIGBUS handler is installed for the duration of each launch (reference counted
//    across concurrent launches). It finds the faulting OS thread's launch through a lock-free table keyed by
//    kernel thread id (no TLS access in the handler: TLS of a dlopen'ed library may allocate on first use),
//    decides whether the address is "ours" (allocation guard page, freed-allocation quarantine, fiber stack
//    guard, dynamic shared memory guard, or the null page), and if so jumps straight back to the scheduler's
//    saved context, abandoning the faulting fiber's stack. Otherwise it chains to the previous handler.
//  * Illegal-address errors are NOT sticky: the failing launch/call reports cudaErrorIllegalAddress once, a
//    damaged canary is repaired after being reported, and later calls work normally.
#include "cuda_emu.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <vector>

#if defined(__x86_64__) && !defined(GRADSIGN_EMU_UCONTEXT)
#define EMU_ASM_SWITCH 1
#else
#include <ucontext.h>
#define EMU_ASM_SWITCH 0
#endif

#ifndef GRADSIGN_EMU_FIBER_STACK_BYTES
#define GRADSIGN_EMU_FIBER_STACK_BYTES (64 * 1024)
#endif

__thread uint3 threadIdx;
__thread uint3 blockIdx;
__thread dim3 blockDim;
__thread dim3 gridDim;

#if EMU_ASM_SWITCH
// emu_ctx_switch(save, target): pushes callee-saved state, stores rsp in *save, continues at target's state.
// emu_fiber_entry: first "return address" of a fresh fiber; calls the function placed in r12.
asm(R"(
    .text
    .globl emu_ctx_switch
    .hidden emu_ctx_switch
    .type emu_ctx_switch, @function
emu_ctx_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size emu_ctx_switch, .-emu_ctx_switch

    .globl emu_fiber_entry
    .hidden emu_fiber_entry
    .type emu_fiber_entry, @function
emu_fiber_entry:
    .cfi_startproc
    .cfi_undefined rip
    xorl %ebp, %ebp
    callq *%r12
    ud2
    .cfi_endproc
    .size emu_fiber_entry, .-emu_fiber_entry
)");
extern "C" void emu_ctx_switch(void** save_sp, void* target_sp);
extern "C" void emu_fiber_entry();
#endif

namespace emu {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------
size_t page_size() {
    static const size_t ps = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return ps;
}
size_t round_up(size_t v, size_t a) { return (v + a - 1) / a * a; }
long current_tid() { return static_cast<long>(syscall(SYS_gettid)); }

thread_local cudaError_t tl_last_error = cudaSuccess;
thread_local std::string tl_detail;

cudaError_t record(cudaError_t e) {
    if (e != cudaSuccess) tl_last_error = e;
    return e;
}

constexpr size_t kAllocAlign = 256;      // cudaMalloc's alignment guarantee
constexpr size_t kLeadCanary = 256;      // canary bytes checked in front of each allocation
constexpr size_t kMaxDynamicShared = 48 * 1024;
constexpr size_t kQuarantineBytes = 256u << 20;  // virtual address space kept PROT_NONE after cudaFree
constexpr uintptr_t kNullPageLimit = 64 * 1024;

uint8_t canary_byte(uintptr_t addr) { return static_cast<uint8_t>(0xA5u ^ (addr * 0x9Du >> 3)); }

// ---------------------------------------------------------------------------------------------------------
// Device memory registry
// ---------------------------------------------------------------------------------------------------------
struct Alloc {
    char* map_base;
    size_t map_len;
    char* data;
    size_t size;
    char* usable_end;  // start of the trailing guard page
};

struct Registry {
    std::mutex mu;
    std::atomic<long> owner{0};  // tid holding mu, so the signal handler never waits on its own thread
    std::map<uintptr_t, Alloc> allocs;  // keyed by map_base
    std::deque<std::pair<char*, size_t>> quarantine;
    size_t quarantine_bytes = 0;
    size_t live_bytes = 0;
    std::set<cudaStream_t> streams;
    std::set<cudaEvent_t> events;
};
Registry& registry() {
    static Registry* r = new Registry();  // never destroyed: launches may still run during static destruction
    return *r;
}

struct RegistryLock {
    Registry& r;
    explicit RegistryLock(Registry& reg) : r(reg) {
        r.mu.lock();
        r.owner.store(current_tid(), std::memory_order_relaxed);
    }
    ~RegistryLock() {
        r.owner.store(0, std::memory_order_relaxed);
        r.mu.unlock();
    }
};

void fill_canaries(const Alloc& a) {
    for (char* p = a.data - kLeadCanary; p < a.data; ++p) *p = static_cast<char>(canary_byte(uintptr_t(p)));
    for (char* p = a.data + a.size; p < a.usable_end; ++p) *p = static_cast<char>(canary_byte(uintptr_t(p)));
}
bool canaries_intact(const Alloc& a) {
    for (const char* p = a.data - kLeadCanary; p < a.data; ++p)
        if (static_cast<uint8_t>(*p) != canary_byte(uintptr_t(p))) return false;
    for (const char* p = a.data + a.size; p < a.usable_end; ++p)
        if (static_cast<uint8_t>(*p) != canary_byte(uintptr_t(p))) return false;
    return true;
}

// Caller holds the registry lock. Returns cudaErrorIllegalAddress (once; canaries are repaired) if damaged.
cudaError_t check_all_canaries_locked(Registry& r) {
    cudaError_t e = cudaSuccess;
    for (auto& kv : r.allocs) {
        if (!canaries_intact(kv.second)) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "canary damaged around allocation %p (%zu bytes): out-of-bounds write",
                          static_cast<void*>(kv.second.data), kv.second.size);
            tl_detail = buf;
            fill_canaries(kv.second);
            e = cudaErrorIllegalAddress;
        }
    }
    return e;
}
cudaError_t check_all_canaries() {
    Registry& r = registry();
    RegistryLock lock(r);
    return check_all_canaries_locked(r);
}

// Caller holds the lock. The allocation whose data range fully contains [p, p+n), or nullptr.
const Alloc* find_range_locked(Registry& r, const void* p, size_t n) {
    uintptr_t a = reinterpret_cast<uintptr_t>(p);
    auto it = r.allocs.upper_bound(a);
    if (it == r.allocs.begin()) return nullptr;
    --it;
    const Alloc& al = it->second;
    uintptr_t d = reinterpret_cast<uintptr_t>(al.data);
    if (a < d || a > d + al.size) return nullptr;
    if (n > d + al.size - a) return nullptr;
    return &al;
}

void quarantine_locked(Registry& r, char* base, size_t len) {
    // Re-mapping PROT_NONE drops the pages but keeps the range reserved, so a stale pointer faults "ours".
    void* m = mmap(base, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        munmap(base, len);
        return;
    }
    r.quarantine.emplace_back(base, len);
    r.quarantine_bytes += len;
    while (r.quarantine_bytes > kQuarantineBytes && !r.quarantine.empty()) {
        munmap(r.quarantine.front().first, r.quarantine.front().second);
        r.quarantine_bytes -= r.quarantine.front().second;
        r.quarantine.pop_front();
    }
}

size_t total_memory() {
    long pages = sysconf(_SC_PHYS_PAGES);
    if (pages <= 0) return size_t(16) << 30;
    return static_cast<size_t>(pages) * page_size();
}

// ---------------------------------------------------------------------------------------------------------
// Fibers
// ---------------------------------------------------------------------------------------------------------
struct ThreadRec;

struct Fiber {
    char* map_base = nullptr;  // guard page(s) at [map_base, stack_lo)
    char* stack_lo = nullptr;
    char* stack_hi = nullptr;
    ThreadRec* thread = nullptr;  // emulated thread currently bound to this fiber
    bool finished = false;
    size_t colour = 0;
#if EMU_ASM_SWITCH
    void* sp = nullptr;
#else
    ucontext_t uc;
#endif
};

// Per OS thread, reused across blocks and launches; unmapped when the OS thread ends.
struct FiberPool {
    std::vector<Fiber*> all;
    size_t in_use = 0;  // fibers [0, in_use) of `all` are taken for the current block
    ~FiberPool() {
        for (Fiber* f : all) {
            munmap(f->map_base, static_cast<size_t>(f->stack_hi - f->map_base));
            delete f;
        }
    }
    Fiber* acquire() {
        if (in_use < all.size()) return all[in_use++];
        size_t guard = page_size();
        size_t len = guard + round_up(GRADSIGN_EMU_FIBER_STACK_BYTES, page_size());
        void* m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                       -1, 0);
        if (m == MAP_FAILED) return nullptr;
        if (mprotect(m, guard, PROT_NONE) != 0) {
            munmap(m, len);
            return nullptr;
        }
        Fiber* f = new (std::nothrow) Fiber();
        if (!f) {
            munmap(m, len);
            return nullptr;
        }
        f->map_base = static_cast<char*>(m);
        f->stack_lo = f->map_base + guard;
        f->stack_hi = f->map_base + len;
        f->colour = (all.size() % 61) * 64;
        all.push_back(f);
        in_use = all.size();
        return f;
    }
    void release_all() { in_use = 0; }
};
thread_local FiberPool tl_pool;

// ---------------------------------------------------------------------------------------------------------
// Per-launch / per-block state
// ---------------------------------------------------------------------------------------------------------
enum class TState : uint8_t { NotStarted, Running, WaitBlock, WaitWarp, Done };

struct ThreadRec {
    uint3 idx;
    unsigned linear;
    TState state;
    Fiber* fiber;
};

struct WarpState {
    uint64_t slot[2][32];
    unsigned contributed[2];  // lanes that wrote slot[p] in the round using parity p
    unsigned exists;          // lanes that exist in this block
    unsigned done;            // lanes that exited
    unsigned arrived;         // lanes waiting in the current round
    unsigned need;            // union of the waiting lanes' masks
    unsigned phase;
};

struct Launch {
    dim3 grid, block;
    unsigned nthreads = 0;
    detail::InvokeFn invoke = nullptr;
    void* closure = nullptr;
    char* shared = nullptr;  // this OS thread's dynamic shared arena (guard page at shared + 48 KiB)
    char* dyn = nullptr;     // this launch's dynamic shared buffer, ending at the guard page
    FiberPool* pool = nullptr;
    // Scheduler
#if EMU_ASM_SWITCH
    void* sched_sp = nullptr;
#else
    ucontext_t sched_uc;
#endif
    Fiber* volatile current = nullptr;  // fiber running now; nullptr while in the scheduler
    volatile bool aborted = false;
    volatile bool faulted = false;
    cudaError_t error = cudaSuccess;
    volatile uintptr_t fault_addr = 0;
    sigset_t saved_mask;
    // Block
    ThreadRec threads[1024];
    WarpState warps[32];
    unsigned next = 0;           // next thread to start
    unsigned done = 0;           // threads that exited
    unsigned block_waiting = 0;  // threads waiting at __syncthreads
    unsigned warp_waiting = 0;   // threads waiting at a warp operation
    std::vector<Fiber*> runq;
    size_t runq_head = 0;
};

thread_local Launch* tl_launch = nullptr;

void fail(Launch* L, cudaError_t e) {
    if (L->error == cudaSuccess) L->error = e;
    L->aborted = true;
}

void set_thread_vars(const ThreadRec& t) { threadIdx = t.idx; }

bool start_fiber(Launch* L, Fiber* f);

// The fiber to run next, or nullptr when only the scheduler can decide (block over, deadlock, abort).
Fiber* next_fiber(Launch* L) {
    if (L->aborted) return nullptr;
    if (L->runq_head < L->runq.size()) {
        Fiber* f = L->runq[L->runq_head++];
        if (L->runq_head == L->runq.size()) {
            L->runq.clear();
            L->runq_head = 0;
        }
        return f;
    }
    if (L->next < L->nthreads) {
        Fiber* f = L->pool->acquire();
        if (!f || !start_fiber(L, f)) {
            tl_detail = "could not allocate a fiber stack";
            fail(L, cudaErrorLaunchOutOfResources);
            return nullptr;
        }
        return f;
    }
    return nullptr;
}

// Leave fiber `from` for the next runnable fiber (or the scheduler); returns when `from` is resumed.
void switch_away(Launch* L, Fiber* from) {
    Fiber* to = next_fiber(L);
    L->current = to;
#if EMU_ASM_SWITCH
    emu_ctx_switch(&from->sp, to ? to->sp : L->sched_sp);
#else
    swapcontext(&from->uc, to ? &to->uc : &L->sched_uc);
#endif
}

void suspend(Launch* L, ThreadRec* t) {
    switch_away(L, t->fiber);
    set_thread_vars(*t);
}

void make_runnable(Launch* L, ThreadRec& t) {
    t.state = TState::Running;
    L->runq.push_back(t.fiber);
}

void release_warp(Launch* L, WarpState& w, unsigned warp_index, unsigned self_lane) {
    unsigned waiting = w.arrived;
    w.arrived = 0;
    w.need = 0;
    w.phase ^= 1u;
    w.contributed[w.phase] = 0;
    for (unsigned lane = 0; lane < 32; ++lane) {
        if (!(waiting & (1u << lane)) || lane == self_lane) continue;
        ThreadRec& t = L->threads[warp_index * 32 + lane];
        L->warp_waiting--;
        make_runnable(L, t);
    }
}

bool warp_complete(const WarpState& w) {
    unsigned need = w.need & w.exists & ~w.done;
    return (w.arrived & need) == need;
}

void thread_exited(Launch* L, ThreadRec& t) {
    t.state = TState::Done;
    L->done++;
    WarpState& w = L->warps[t.linear / 32];
    w.done |= 1u << (t.linear % 32);
    if (w.arrived != 0 && warp_complete(w)) release_warp(L, w, t.linear / 32, 32);
}

void fiber_main() {
    Launch* L = tl_launch;
    Fiber* f = L->current;
    while (L->next < L->nthreads && !L->aborted) {
        ThreadRec& t = L->threads[L->next++];
        t.state = TState::Running;
        t.fiber = f;
        f->thread = &t;
        set_thread_vars(t);
        try {
            L->invoke(L->closure);
        } catch (...) {
            tl_detail = "C++ exception escaped from a kernel";
            fail(L, cudaErrorLaunchFailure);
        }
        thread_exited(L, t);
    }
    f->thread = nullptr;
    f->finished = true;
    switch_away(L, f);  // never resumed: a finished fiber is re-initialised before reuse
}

#if !EMU_ASM_SWITCH
void fiber_main_uc() { fiber_main(); }
#endif

bool start_fiber(Launch* L, Fiber* f) {
    f->finished = false;
    f->thread = nullptr;
#if EMU_ASM_SWITCH
    // Stack tops 64 KiB apart would all map to the same cache sets; stagger them by the fiber's colour.
    uintptr_t top = (reinterpret_cast<uintptr_t>(f->stack_hi) - f->colour) & ~uintptr_t(15);
    uint64_t* sp = reinterpret_cast<uint64_t*>(top - 16 - 56);  // sp + 56 is 16-aligned when the entry runs
    sp[0] = 0;                                                   // r15
    sp[1] = 0;                                                   // r14
    sp[2] = 0;                                                   // r13
    sp[3] = reinterpret_cast<uint64_t>(&fiber_main);             // r12: called by emu_fiber_entry
    sp[4] = 0;                                                   // rbx
    sp[5] = 0;                                                   // rbp
    sp[6] = reinterpret_cast<uint64_t>(&emu_fiber_entry);        // return address
    f->sp = sp;
    (void)L;
#else
    if (getcontext(&f->uc) != 0) return false;
    f->uc.uc_stack.ss_sp = f->stack_lo;
    f->uc.uc_stack.ss_size = static_cast<size_t>(f->stack_hi - f->stack_lo);
    f->uc.uc_link = &L->sched_uc;
    makecontext(&f->uc, fiber_main_uc, 0);
#endif
    return true;
}

void enter_fiber(Launch* L, Fiber* f) {
    L->current = f;
#if EMU_ASM_SWITCH
    emu_ctx_switch(&L->sched_sp, f->sp);
#else
    swapcontext(&L->sched_uc, &f->uc);
#endif
    L->current = nullptr;
    if (L->faulted) {
        // We arrived here straight from the signal handler: SIGSEGV/SIGBUS are still blocked.
        pthread_sigmask(SIG_SETMASK, &L->saved_mask, nullptr);
    }
}

void run_block(Launch* L) {
    const unsigned n = L->nthreads;
    L->next = 0;
    L->done = 0;
    L->block_waiting = 0;
    L->warp_waiting = 0;
    L->runq.clear();
    L->runq_head = 0;
    for (unsigned i = 0; i < n; ++i) L->threads[i].state = TState::NotStarted;
    const unsigned nwarps = (n + 31) / 32;
    for (unsigned w = 0; w < nwarps; ++w) {
        WarpState& ws = L->warps[w];
        unsigned lanes = std::min(32u, n - w * 32);
        ws.exists = lanes == 32 ? 0xffffffffu : ((1u << lanes) - 1u);
        ws.done = ws.arrived = ws.need = ws.phase = 0;
        ws.contributed[0] = ws.contributed[1] = 0;
    }
    tl_pool.release_all();
    for (;;) {
        Fiber* f = next_fiber(L);
        if (f) {
            enter_fiber(L, f);
            continue;
        }
        if (L->aborted) break;
        if (L->block_waiting != 0 || L->warp_waiting != 0) {
            char buf[256];
            std::snprintf(buf, sizeof buf,
                          "deadlock in block (%u,%u,%u): %u thread(s) wait at __syncthreads, %u at a warp operation, "
                          "%u exited",
                          blockIdx.x, blockIdx.y, blockIdx.z, L->block_waiting, L->warp_waiting, L->done);
            tl_detail = buf;
            fail(L, cudaErrorLaunchFailure);
        }
        break;
    }
    tl_pool.release_all();  // abandoned fibers (after a fault or deadlock) are simply re-initialised later
}

// ---------------------------------------------------------------------------------------------------------
// Signal handling
// ---------------------------------------------------------------------------------------------------------
struct LaunchSlot {
    std::atomic<long> tid{0};
    std::atomic<Launch*> launch{nullptr};
};
constexpr int kSlots = 256;
LaunchSlot g_slots[kSlots];

std::mutex g_sig_mu;
int g_sig_users = 0;
struct sigaction g_old_segv;
struct sigaction g_old_bus;

Launch* launch_of_current_thread(long tid) {
    for (int i = 0; i < kSlots; ++i)
        if (g_slots[i].tid.load(std::memory_order_acquire) == tid)
            return g_slots[i].launch.load(std::memory_order_acquire);
    return nullptr;
}

bool in_range(uintptr_t a, const void* lo, size_t len) {
    uintptr_t l = reinterpret_cast<uintptr_t>(lo);
    return a >= l && a - l < len;
}

bool fault_is_ours(Launch* L, uintptr_t a, long tid) {
    if (a < kNullPageLimit) return true;
    for (Fiber* f : L->pool->all)
        if (in_range(a, f->map_base, static_cast<size_t>(f->stack_lo - f->map_base))) return true;
    if (L->shared && in_range(a, L->shared + kMaxDynamicShared, page_size())) return true;
    Registry& r = registry();
    if (r.owner.load(std::memory_order_relaxed) == tid) return false;  // cannot happen in kernel code
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.allocs.upper_bound(a);
    if (it != r.allocs.begin()) {
        --it;
        if (in_range(a, it->second.map_base, it->second.map_len)) return true;
    }
    for (auto& q : r.quarantine)
        if (in_range(a, q.first, q.second)) return true;
    return false;
}

void chain_signal(int sig, siginfo_t* info, void* uc);

void fault_handler(int sig, siginfo_t* info, void* uc) {
    int saved_errno = errno;
    long tid = current_tid();
    Launch* L = launch_of_current_thread(tid);
    if (L && L->current) {
        uintptr_t a = reinterpret_cast<uintptr_t>(info->si_addr);
        if (fault_is_ours(L, a, tid)) {
            L->fault_addr = a;
            L->faulted = true;
            L->aborted = true;
            if (L->error == cudaSuccess) L->error = cudaErrorIllegalAddress;
            errno = saved_errno;
            // Leave the signal frame behind on purpose (like siglongjmp); the scheduler restores the mask.
#if EMU_ASM_SWITCH
            void* discard = nullptr;
            emu_ctx_switch(&discard, L->sched_sp);
#else
            setcontext(&L->sched_uc);
#endif
        }
    }
    errno = saved_errno;
    chain_signal(sig, info, uc);
}

void chain_signal(int sig, siginfo_t* info, void* uc) {
    struct sigaction* old = sig == SIGBUS ? &g_old_bus : &g_old_segv;
    if (old->sa_flags & SA_SIGINFO) {
        if (old->sa_sigaction && old->sa_sigaction != fault_handler) {
            old->sa_sigaction(sig, info, uc);
            return;
        }
    } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
        return;
    }
    // Default disposition: reinstate it; returning re-executes the faulting access, which then kills the
    // process the normal way (core dump, JVM hs_err if a JVM handler was the default...).
    sigaction(sig, old, nullptr);
}

void install_handlers() {
    std::lock_guard<std::mutex> lock(g_sig_mu);
    if (g_sig_users++ > 0) return;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_old_segv);
    sigaction(SIGBUS, &sa, &g_old_bus);
}

void uninstall_handlers() {
    std::lock_guard<std::mutex> lock(g_sig_mu);
    if (--g_sig_users > 0) return;
    sigaction(SIGSEGV, &g_old_segv, nullptr);
    sigaction(SIGBUS, &g_old_bus, nullptr);
}

int register_slot(Launch* L) {
    long tid = current_tid();
    for (;;) {
        for (int i = 0; i < kSlots; ++i) {
            long expected = 0;
            if (g_slots[i].tid.load(std::memory_order_relaxed) == 0) {
                g_slots[i].launch.store(L, std::memory_order_release);
                if (g_slots[i].tid.compare_exchange_strong(expected, tid, std::memory_order_acq_rel)) return i;
            }
        }
        sched_yield();  // more than kSlots concurrent launches: wait for one to finish
    }
}
void unregister_slot(int i) {
    g_slots[i].tid.store(0, std::memory_order_release);
}

// Per-OS-thread alternate signal stack (a fiber stack overflow cannot run the handler on the fiber stack).
struct AltStack {
    char* mem = nullptr;
    size_t len = 0;
    ~AltStack() {
        if (mem) munmap(mem, len);
    }
};
thread_local AltStack tl_altstack;

// Per-OS-thread dynamic shared memory: 48 KiB followed by a guard page; a launch's buffer ends at the guard.
struct SharedArena {
    char* mem = nullptr;
    ~SharedArena() {
        if (mem) munmap(mem, kMaxDynamicShared + page_size());
    }
};
thread_local SharedArena tl_shared;

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Launch entry points
// ---------------------------------------------------------------------------------------------------------
namespace detail {

static bool stream_valid(cudaStream_t s) {
    if (s == nullptr || s == cudaStreamLegacy || s == cudaStreamPerThread) return true;
    Registry& r = registry();
    RegistryLock lock(r);
    return r.streams.count(s) != 0;
}

cudaError_t validate_launch(dim3 g, dim3 b, size_t shared_bytes, cudaStream_t stream) {
    if (g.x == 0 || g.y == 0 || g.z == 0 || b.x == 0 || b.y == 0 || b.z == 0 || b.x > 1024 || b.y > 1024 ||
        b.z > 64 || uint64_t(b.x) * b.y * b.z > 1024 || g.y > 65535 || g.z > 65535 || g.x > 0x7fffffffu) {
        return record(cudaErrorInvalidConfiguration);
    }
    if (shared_bytes > kMaxDynamicShared) return record(cudaErrorInvalidValue);
    if (!stream_valid(stream)) return record(cudaErrorInvalidResourceHandle);
    return cudaSuccess;
}

cudaError_t run_launch(dim3 grid, dim3 block, size_t shared_bytes, InvokeFn invoke, void* closure) {
    if (tl_launch != nullptr) {
        tl_detail = "kernel launch from inside a kernel is not supported by the emulation";
        return record(cudaErrorNotSupported);
    }
    tl_detail.clear();
    static thread_local std::unique_ptr<Launch> launch_storage;  // reused: Launch is large
    if (!launch_storage) launch_storage.reset(new (std::nothrow) Launch());
    if (!launch_storage) return record(cudaErrorMemoryAllocation);
    Launch* L = launch_storage.get();
    L->grid = grid;
    L->block = block;
    L->nthreads = block.x * block.y * block.z;
    L->invoke = invoke;
    L->closure = closure;
    L->aborted = false;
    L->faulted = false;
    L->error = cudaSuccess;
    L->fault_addr = 0;
    L->current = nullptr;
    L->runq.reserve(L->nthreads);
    for (unsigned z = 0, i = 0; z < block.z; ++z)
        for (unsigned y = 0; y < block.y; ++y)
            for (unsigned x = 0; x < block.x; ++x, ++i) {
                L->threads[i].idx = uint3{x, y, z};
                L->threads[i].linear = i;
                L->threads[i].fiber = nullptr;
            }

    if (!tl_shared.mem) {
        void* m = mmap(nullptr, kMaxDynamicShared + page_size(), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) return record(cudaErrorMemoryAllocation);
        mprotect(static_cast<char*>(m) + kMaxDynamicShared, page_size(), PROT_NONE);
        tl_shared.mem = static_cast<char*>(m);
    }
    L->shared = tl_shared.mem;
    char* dyn = tl_shared.mem + kMaxDynamicShared - round_up(shared_bytes, 16);
    L->dyn = dyn;
    L->pool = &tl_pool;

    if (!tl_altstack.mem) {
        size_t len = 256 * 1024;
        void* m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) return record(cudaErrorMemoryAllocation);
        tl_altstack.mem = static_cast<char*>(m);
        tl_altstack.len = len;
    }
    stack_t ss, old_ss;
    ss.ss_sp = tl_altstack.mem;
    ss.ss_size = tl_altstack.len;
    ss.ss_flags = 0;
    bool altstack_set = sigaltstack(&ss, &old_ss) == 0;

    pthread_sigmask(SIG_SETMASK, nullptr, &L->saved_mask);
    int slot = register_slot(L);
    install_handlers();
    tl_launch = L;

    const dim3 saved_block = blockDim, saved_grid = gridDim;
    const uint3 saved_bidx = blockIdx, saved_tidx = threadIdx;
    blockDim = block;
    gridDim = grid;
    for (unsigned bz = 0; bz < grid.z && !L->aborted; ++bz)
        for (unsigned by = 0; by < grid.y && !L->aborted; ++by)
            for (unsigned bx = 0; bx < grid.x && !L->aborted; ++bx) {
                blockIdx = uint3{bx, by, bz};
                // Shared memory is undefined at block start on a GPU; NaN/0xff.. exposes reliance on zeroes.
                if (shared_bytes) std::memset(dyn, 0xff, shared_bytes);
                run_block(L);
            }
    if (L->faulted) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "illegal address %p accessed in block (%u,%u,%u) thread (%u,%u,%u)",
                      reinterpret_cast<void*>(L->fault_addr), blockIdx.x, blockIdx.y, blockIdx.z, threadIdx.x,
                      threadIdx.y, threadIdx.z);
        tl_detail = buf;
    }
    blockDim = saved_block;
    gridDim = saved_grid;
    blockIdx = saved_bidx;
    threadIdx = saved_tidx;

    tl_launch = nullptr;
    uninstall_handlers();
    unregister_slot(slot);
    if (altstack_set) {
        if (old_ss.ss_flags & SS_DISABLE) {
            stack_t dis;
            std::memset(&dis, 0, sizeof dis);
            dis.ss_flags = SS_DISABLE;
            sigaltstack(&dis, nullptr);
        } else {
            old_ss.ss_flags = 0;
            sigaltstack(&old_ss, nullptr);
        }
    }

    cudaError_t canary = check_all_canaries();
    cudaError_t e = L->error != cudaSuccess ? L->error : canary;
    return record(e);
}

void block_barrier() {
    Launch* L = tl_launch;
    if (!L || !L->current) return;
    ThreadRec* t = L->current->thread;
    if (++L->block_waiting == L->nthreads) {
        // Last arrival: everyone else is waiting, so release them all and continue without switching.
        L->block_waiting = 0;
        for (unsigned i = 0; i < L->nthreads; ++i)
            if (L->threads[i].state == TState::WaitBlock) make_runnable(L, L->threads[i]);
        return;
    }
    t->state = TState::WaitBlock;
    suspend(L, t);
}

// Arrive at the warp's current round with an optional value; returns the round's parity.
static unsigned warp_arrive(Launch* L, ThreadRec* t, unsigned mask, uint64_t bits, bool contribute) {
    unsigned wi = t->linear / 32, lane = t->linear % 32;
    WarpState& w = L->warps[wi];
    unsigned p = w.phase;
    if (contribute) {
        w.slot[p][lane] = bits;
        w.contributed[p] |= 1u << lane;
    }
    w.arrived |= 1u << lane;
    w.need |= mask | (1u << lane);
    if (warp_complete(w)) {
        release_warp(L, w, wi, lane);
        return p;
    }
    t->state = TState::WaitWarp;
    L->warp_waiting++;
    suspend(L, t);
    return p;
}

void warp_barrier(unsigned mask) {
    Launch* L = tl_launch;
    if (!L || !L->current) return;
    warp_arrive(L, L->current->thread, mask, 0, false);
}

uint64_t warp_exchange(unsigned mask, uint64_t bits, unsigned src_lane) {
    Launch* L = tl_launch;
    if (!L || !L->current) return bits;
    ThreadRec* t = L->current->thread;
    unsigned p = warp_arrive(L, t, mask, bits, true);
    const WarpState& w = L->warps[t->linear / 32];
    if (src_lane < 32 && (w.contributed[p] & (1u << src_lane)) && (mask & (1u << src_lane)))
        return w.slot[p][src_lane];
    return bits;
}

unsigned warp_ballot(unsigned mask, int predicate) {
    Launch* L = tl_launch;
    if (!L || !L->current) return predicate ? 1u : 0u;
    ThreadRec* t = L->current->thread;
    unsigned p = warp_arrive(L, t, mask, predicate ? 1 : 0, true);
    const WarpState& w = L->warps[t->linear / 32];
    unsigned r = 0;
    for (unsigned lane = 0; lane < 32; ++lane)
        if ((w.contributed[p] & mask & (1u << lane)) && w.slot[p][lane]) r |= 1u << lane;
    return r;
}

unsigned warp_active_mask() {
    Launch* L = tl_launch;
    if (!L || !L->current) return 1u;
    const WarpState& w = L->warps[L->current->thread->linear / 32];
    return w.exists & ~w.done;
}

}  // namespace detail

size_t live_allocation_count() {
    Registry& r = registry();
    RegistryLock lock(r);
    return r.allocs.size();
}
size_t live_allocation_bytes() {
    Registry& r = registry();
    RegistryLock lock(r);
    return r.live_bytes;
}
void* dynamic_shared_memory() {
    Launch* L = tl_launch;
    return L ? static_cast<void*>(L->dyn) : nullptr;
}
const char* last_error_detail() { return tl_detail.c_str(); }

}  // namespace emu

// ---------------------------------------------------------------------------------------------------------
// Runtime API
// ---------------------------------------------------------------------------------------------------------
using emu::record;

struct CUstream_st {
    unsigned flags;
};
struct CUevent_st {
    std::chrono::steady_clock::time_point when;
    bool recorded;
    unsigned flags;
};

namespace {
bool no_device() {
    const char* v = std::getenv("GRADSIGN_EMU_NO_DEVICE");
    return v && *v && std::strcmp(v, "0") != 0;
}
}  // namespace

extern "C" {

const char* cudaGetErrorString(cudaError_t e) {
    switch (e) {
        case cudaSuccess: return "no error";
        case cudaErrorInvalidValue: return "invalid argument";
        case cudaErrorMemoryAllocation: return "out of memory";
        case cudaErrorInitializationError: return "initialization error";
        case cudaErrorInvalidConfiguration: return "invalid configuration argument";
        case cudaErrorInvalidSymbol: return "invalid device symbol";
        case cudaErrorInvalidDevicePointer: return "invalid device pointer";
        case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
        case cudaErrorInsufficientDriver: return "CUDA driver version is insufficient for CUDA runtime version";
        case cudaErrorInvalidDeviceFunction: return "invalid device function";
        case cudaErrorNoDevice: return "no CUDA-capable device is detected";
        case cudaErrorInvalidDevice: return "invalid device ordinal";
        case cudaErrorInvalidResourceHandle: return "invalid resource handle";
        case cudaErrorNotReady: return "device not ready";
        case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
        case cudaErrorLaunchOutOfResources: return "too many resources requested for launch";
        case cudaErrorLaunchTimeout: return "the launch timed out and was terminated";
        case cudaErrorAssert: return "device-side assert triggered";
        case cudaErrorLaunchFailure: return "unspecified launch failure";
        case cudaErrorNotSupported: return "operation not supported";
        case cudaErrorUnknown: return "unknown error";
    }
    return "unrecognized error code";
}

const char* cudaGetErrorName(cudaError_t e) {
    switch (e) {
        case cudaSuccess: return "cudaSuccess";
        case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
        case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
        case cudaErrorInitializationError: return "cudaErrorInitializationError";
        case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
        case cudaErrorInvalidSymbol: return "cudaErrorInvalidSymbol";
        case cudaErrorInvalidDevicePointer: return "cudaErrorInvalidDevicePointer";
        case cudaErrorInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
        case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
        case cudaErrorInvalidDeviceFunction: return "cudaErrorInvalidDeviceFunction";
        case cudaErrorNoDevice: return "cudaErrorNoDevice";
        case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
        case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
        case cudaErrorNotReady: return "cudaErrorNotReady";
        case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
        case cudaErrorLaunchOutOfResources: return "cudaErrorLaunchOutOfResources";
        case cudaErrorLaunchTimeout: return "cudaErrorLaunchTimeout";
        case cudaErrorAssert: return "cudaErrorAssert";
        case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
        case cudaErrorNotSupported: return "cudaErrorNotSupported";
        case cudaErrorUnknown: return "cudaErrorUnknown";
    }
    return "unrecognized error code";
}

cudaError_t cudaGetLastError(void) {
    cudaError_t e = emu::tl_last_error;
    emu::tl_last_error = cudaSuccess;
    return e;
}
cudaError_t cudaPeekAtLastError(void) { return emu::tl_last_error; }

// Size 0 yields a null pointer and cudaSuccess (what CUDA does); cudaFree(nullptr) is a no-op.
cudaError_t cudaMalloc(void** devPtr, size_t size) {
    using namespace emu;
    if (!devPtr) return record(cudaErrorInvalidValue);
    *devPtr = nullptr;
    if (size == 0) return cudaSuccess;
    if (size > total_memory()) return record(cudaErrorMemoryAllocation);
    const size_t ps = page_size();
    const size_t usable = round_up(size + kLeadCanary, ps);
    const size_t map_len = usable + 2 * ps;
    void* m = mmap(nullptr, map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return record(cudaErrorMemoryAllocation);
    char* base = static_cast<char*>(m);
    if (mprotect(base + ps, usable, PROT_READ | PROT_WRITE) != 0) {
        munmap(m, map_len);
        return record(cudaErrorMemoryAllocation);
    }
    Alloc a;
    a.map_base = base;
    a.map_len = map_len;
    a.usable_end = base + ps + usable;
    a.data = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(a.usable_end) - size) & ~uintptr_t(kAllocAlign - 1));
    a.size = size;
    // Fresh device memory is garbage on a GPU; 0xff bytes (NaN floats, -1 ints) expose reliance on zeroes.
    std::memset(a.data, 0xff, size);
    fill_canaries(a);
    Registry& r = registry();
    RegistryLock lock(r);
    r.allocs[reinterpret_cast<uintptr_t>(base)] = a;
    r.live_bytes += size;
    *devPtr = a.data;
    return cudaSuccess;
}

cudaError_t cudaFree(void* devPtr) {
    using namespace emu;
    if (!devPtr) return cudaSuccess;
    Registry& r = registry();
    RegistryLock lock(r);
    const Alloc* a = find_range_locked(r, devPtr, 0);
    if (!a || a->data != devPtr) return record(cudaErrorInvalidValue);
    cudaError_t e = check_all_canaries_locked(r);
    Alloc copy = *a;
    r.allocs.erase(reinterpret_cast<uintptr_t>(copy.map_base));
    r.live_bytes -= copy.size;
    quarantine_locked(r, copy.map_base, copy.map_len);
    return record(e);
}

cudaError_t cudaMallocHost(void** ptr, size_t size) {
    if (!ptr) return record(cudaErrorInvalidValue);
    *ptr = nullptr;
    if (size == 0) return cudaSuccess;
    void* p = nullptr;
    if (posix_memalign(&p, 256, size) != 0) return record(cudaErrorMemoryAllocation);
    *ptr = p;
    return cudaSuccess;
}
cudaError_t cudaFreeHost(void* ptr) {
    std::free(ptr);
    return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind) {
    using namespace emu;
    if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDefault) return record(cudaErrorInvalidMemcpyDirection);
    Registry& r = registry();
    RegistryLock lock(r);
    cudaError_t e = check_all_canaries_locked(r);
    if (e != cudaSuccess) return record(e);
    if (count == 0) return cudaSuccess;
    if (!dst || !src) return record(cudaErrorInvalidValue);
    bool dst_dev = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    bool src_dev = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    if (kind == cudaMemcpyDefault) {  // unified addressing: whatever lies in an allocation is device memory
        dst_dev = find_range_locked(r, dst, 0) != nullptr;
        src_dev = find_range_locked(r, src, 0) != nullptr;
    }
    if (dst_dev && !find_range_locked(r, dst, count)) return record(cudaErrorInvalidValue);
    if (src_dev && !find_range_locked(r, src, count)) return record(cudaErrorInvalidValue);
    std::memmove(dst, src, count);
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream) {
    cudaError_t e = emu::detail::validate_launch(1, 1, 0, stream);
    if (e != cudaSuccess) return e;
    return cudaMemcpy(dst, src, count, kind);
}

cudaError_t cudaMemset(void* devPtr, int value, size_t count) {
    using namespace emu;
    Registry& r = registry();
    RegistryLock lock(r);
    if (count == 0) return cudaSuccess;
    if (!find_range_locked(r, devPtr, count)) return record(cudaErrorInvalidValue);
    std::memset(devPtr, value, count);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* devPtr, int value, size_t count, cudaStream_t stream) {
    cudaError_t e = emu::detail::validate_launch(1, 1, 0, stream);
    if (e != cudaSuccess) return e;
    return cudaMemset(devPtr, value, count);
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
    if (!free_bytes || !total_bytes) return record(cudaErrorInvalidValue);
    size_t total = emu::total_memory();
    size_t used = emu::live_allocation_bytes();
    *total_bytes = total;
    *free_bytes = used < total ? total - used : 0;
    return cudaSuccess;
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* pStream, unsigned int flags) {
    if (!pStream) return record(cudaErrorInvalidValue);
    cudaStream_t s = new (std::nothrow) CUstream_st{flags};
    if (!s) return record(cudaErrorMemoryAllocation);
    emu::Registry& r = emu::registry();
    emu::RegistryLock lock(r);
    r.streams.insert(s);
    *pStream = s;
    return cudaSuccess;
}
cudaError_t cudaStreamCreate(cudaStream_t* pStream) { return cudaStreamCreateWithFlags(pStream, cudaStreamDefault); }

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
    emu::Registry& r = emu::registry();
    emu::RegistryLock lock(r);
    if (r.streams.erase(stream) == 0) return record(cudaErrorInvalidResourceHandle);
    delete stream;
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
    cudaError_t e = emu::detail::validate_launch(1, 1, 0, stream);
    if (e != cudaSuccess) return e;
    return record(emu::check_all_canaries());
}
cudaError_t cudaStreamQuery(cudaStream_t stream) { return emu::detail::validate_launch(1, 1, 0, stream); }
cudaError_t cudaDeviceSynchronize(void) { return record(emu::check_all_canaries()); }

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
    if (!event) return record(cudaErrorInvalidValue);
    cudaEvent_t ev = new (std::nothrow) CUevent_st{std::chrono::steady_clock::now(), false, flags};
    if (!ev) return record(cudaErrorMemoryAllocation);
    emu::Registry& r = emu::registry();
    emu::RegistryLock lock(r);
    r.events.insert(ev);
    *event = ev;
    return cudaSuccess;
}
cudaError_t cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, cudaEventDefault); }

static bool event_valid(cudaEvent_t ev) {
    emu::Registry& r = emu::registry();
    emu::RegistryLock lock(r);
    return r.events.count(ev) != 0;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
    emu::Registry& r = emu::registry();
    emu::RegistryLock lock(r);
    if (r.events.erase(event) == 0) return record(cudaErrorInvalidResourceHandle);
    delete event;
    return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
    if (!event_valid(event)) return record(cudaErrorInvalidResourceHandle);
    cudaError_t e = emu::detail::validate_launch(1, 1, 0, stream);
    if (e != cudaSuccess) return e;
    event->when = std::chrono::steady_clock::now();
    event->recorded = true;
    return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t event) {
    return event_valid(event) ? cudaSuccess : record(cudaErrorInvalidResourceHandle);
}
cudaError_t cudaEventQuery(cudaEvent_t event) {
    return event_valid(event) ? cudaSuccess : record(cudaErrorInvalidResourceHandle);
}
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
    if (!ms) return record(cudaErrorInvalidValue);
    if (!event_valid(start) || !event_valid(end)) return record(cudaErrorInvalidResourceHandle);
    if (!start->recorded || !end->recorded) return record(cudaErrorInvalidResourceHandle);
    *ms = std::chrono::duration<float, std::milli>(end->when - start->when).count();
    return cudaSuccess;
}

cudaError_t cudaGetDeviceCount(int* count) {
    if (!count) return record(cudaErrorInvalidValue);
    if (no_device()) {  // lets tests exercise the "no GPU" path
        *count = 0;
        return record(cudaErrorNoDevice);
    }
    *count = 1;
    return cudaSuccess;
}
cudaError_t cudaSetDevice(int device) {
    if (no_device()) return record(cudaErrorNoDevice);
    return device == 0 ? cudaSuccess : record(cudaErrorInvalidDevice);
}
cudaError_t cudaGetDevice(int* device) {
    if (!device) return record(cudaErrorInvalidValue);
    if (no_device()) return record(cudaErrorNoDevice);
    *device = 0;
    return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp* prop, int device) {
    if (!prop) return record(cudaErrorInvalidValue);
    if (no_device()) return record(cudaErrorNoDevice);
    if (device != 0) return record(cudaErrorInvalidDevice);
    std::memset(prop, 0, sizeof *prop);
    std::snprintf(prop->name, sizeof prop->name, "%s", "gradsign CUDA emulation (CPU)");
    prop->totalGlobalMem = emu::total_memory();
    prop->sharedMemPerBlock = emu::kMaxDynamicShared;
    prop->regsPerBlock = 65536;
    prop->warpSize = 32;
    prop->memPitch = 0x7fffffff;
    prop->maxThreadsPerBlock = 1024;
    prop->maxThreadsDim[0] = 1024;
    prop->maxThreadsDim[1] = 1024;
    prop->maxThreadsDim[2] = 64;
    prop->maxGridSize[0] = 0x7fffffff;
    prop->maxGridSize[1] = 65535;
    prop->maxGridSize[2] = 65535;
    prop->clockRate = 1000000;
    prop->totalConstMem = 65536;
    prop->major = 9;
    prop->minor = 0;
    prop->multiProcessorCount = 2;
    prop->concurrentKernels = 0;
    prop->asyncEngineCount = 0;
    prop->unifiedAddressing = 1;
    prop->memoryClockRate = 1000000;
    prop->memoryBusWidth = 64;
    prop->l2CacheSize = 4 * 1024 * 1024;
    prop->maxThreadsPerMultiProcessor = 2048;
    prop->sharedMemPerMultiprocessor = 228 * 1024;
    prop->regsPerMultiprocessor = 65536;
    prop->managedMemory = 0;
    prop->sharedMemPerBlockOptin = emu::kMaxDynamicShared;  // no opt-in beyond 48 KiB in the emulation
    prop->maxBlocksPerMultiProcessor = 32;
    return cudaSuccess;
}

// Like CUDA, a reset destroys every allocation, stream and event of the (single) context.
cudaError_t cudaDeviceReset(void) {
    using namespace emu;
    Registry& r = registry();
    RegistryLock lock(r);
    for (auto& kv : r.allocs) quarantine_locked(r, kv.second.map_base, kv.second.map_len);
    r.allocs.clear();
    r.live_bytes = 0;
    for (cudaStream_t s : r.streams) delete s;
    r.streams.clear();
    for (cudaEvent_t ev : r.events) delete ev;
    r.events.clear();
    tl_last_error = cudaSuccess;
    return cudaSuccess;
}

cudaError_t cudaDriverGetVersion(int* v) {
    if (!v) return record(cudaErrorInvalidValue);
    *v = 12040;
    return cudaSuccess;
}
cudaError_t cudaRuntimeGetVersion(int* v) {
    if (!v) return record(cudaErrorInvalidValue);
    *v = 12040;
    return cudaSuccess;
}

}  // extern "C"
