// kernels/cuda/emu/scheduler.cpp — runs an emulated kernel launch: blocks over a pool of OS
// threads, CUDA threads of a block as fibers, barriers as fiber switches (see emu.h).
//
// The block pool is the calling thread plus one worker per further core, which sleep on a
// condition variable between launches (not OpenMP: its spinning idle threads slow everything
// down badly when several test processes share the cores, as under `ctest -j`). A launch hands
// out block indices through an atomic counter; a one-block launch runs on the caller alone.
// Shape: each OS thread owns a Worker with a pool of fibers (mmap'd 64 KiB stacks with a guard
// page, reused across threads, blocks and launches). A block is run in "passes": every runnable
// thread is resumed once, in the selected order, and runs until it parks at a barrier or ends;
// after the pass the scheduler releases every warp whose live lanes all wait at a warp barrier,
// else the block barrier when every live thread waits there, else reports a deadlock.
// The context switch is hand-written x86-64 (callee-saved registers, MXCSR and x87 control
// word): no signal-mask syscall as in swapcontext, so a switch costs a few nanoseconds.
#include <sys/mman.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kernels/cuda/emu/emu.h"

#if !defined(__x86_64__)
#error "the CUDA emulation's context switch is written for x86-64"
#endif

// mcseg_emu_switch(save, to): pushes the callee-saved state, stores rsp in *save, continues on
// the stack `to` (which was left by a previous switch or prepared by new_fiber()).
asm(R"(
    .text
    .globl mcseg_emu_switch
    .type mcseg_emu_switch, @function
mcseg_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size mcseg_emu_switch, .-mcseg_emu_switch

    .globl mcseg_emu_trampoline
    .type mcseg_emu_trampoline, @function
mcseg_emu_trampoline:
    movq %rbx, %rdi
    call mcseg_emu_fiber_main@PLT
    ud2
    .size mcseg_emu_trampoline, .-mcseg_emu_trampoline
)");

extern "C" void mcseg_emu_switch(void** save_sp, void* to_sp);
extern "C" void mcseg_emu_trampoline();

namespace mcseg::emu {

constinit thread_local ThreadState* t_thread = nullptr;
constinit thread_local BlockState* t_block = nullptr;

namespace {

enum Status : uint8_t { Runnable, AtBlockBarrier, AtWarpBarrier, Done };

constexpr size_t kStackBytes = 64 * 1024;
constexpr size_t kGuardBytes = 4096;
constexpr size_t kMaxDynamicShared = 48 * 1024;

}  // namespace

struct Fiber {
    void* sp = nullptr;
    unsigned char* mem = nullptr;
};

namespace {

struct Worker {
    void* scheduler_sp = nullptr;
    const KernelBody* body = nullptr;
    std::vector<Fiber*> idle;
    std::vector<Fiber*> all;
    std::vector<ThreadState> threads;
    std::vector<unsigned> order;
    std::vector<unsigned> live, waiting;  // per warp: threads not done, threads at a warp barrier
    std::vector<unsigned char> dynamic_shared;
    std::vector<uint64_t> warp_scratch;
    BlockState block{};

    ~Worker() {
        for (Fiber* f : all) {
            munmap(f->mem, kStackBytes + kGuardBytes);
            delete f;
        }
    }

    Fiber* take_fiber() {
        if (!idle.empty()) {
            Fiber* f = idle.back();
            idle.pop_back();
            return f;
        }
        auto* f = new Fiber;
        void* mem = mmap(nullptr, kStackBytes + kGuardBytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (mem == MAP_FAILED) fatal("cannot map a fiber stack");
        f->mem = static_cast<unsigned char*>(mem);
        mprotect(f->mem, kGuardBytes, PROT_NONE);  // stack overflow -> SIGSEGV, not corruption
        // Initial frame, consumed by mcseg_emu_switch: control words, r15..r12, rbx = fiber,
        // rbp, return address = trampoline; rsp ends 16-byte aligned at the trampoline.
        auto top = reinterpret_cast<uintptr_t>(f->mem + kStackBytes + kGuardBytes) & ~uintptr_t(15);
        auto* frame = reinterpret_cast<uint64_t*>(top - 64);
        frame[0] = 0x1F80u | (uint64_t(0x037Fu) << 32);
        frame[1] = frame[2] = frame[3] = frame[4] = 0;
        frame[5] = reinterpret_cast<uint64_t>(f);
        frame[6] = 0;
        frame[7] = reinterpret_cast<uint64_t>(&mcseg_emu_trampoline);
        f->sp = frame;
        all.push_back(f);
        return f;
    }

    void resume(ThreadState* t) {
        if (!t->fiber) t->fiber = take_fiber();
        t_thread = t;
        mcseg_emu_switch(&scheduler_sp, t->fiber->sp);
        if (t->status == Done) {
            idle.push_back(t->fiber);
            t->fiber = nullptr;
        }
    }

    void run_block(uint64_t linear_block, dim3 grid, dim3 dim, size_t shmem);
};

thread_local Worker t_worker;

ThreadOrder g_order = ThreadOrder::Forward;
uint64_t g_seed = 0;
bool g_order_from_env = false;

uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void read_order_from_env() {
    if (g_order_from_env) return;
    g_order_from_env = true;
    const char* env = std::getenv("MCSEG_EMU_ORDER");
    if (!env || !*env) return;
    std::string s(env);
    if (s == "forward") {
        g_order = ThreadOrder::Forward;
    } else if (s == "reverse") {
        g_order = ThreadOrder::Reverse;
    } else if (s.rfind("random", 0) == 0) {
        g_order = ThreadOrder::Random;
        g_seed = s.size() > 7 && s[6] == ':' ? std::strtoull(s.c_str() + 7, nullptr, 10) : 0;
    } else {
        fatal("MCSEG_EMU_ORDER must be forward, reverse or random[:seed]");
    }
}

void make_order(std::vector<unsigned>& order, unsigned n, uint64_t block, uint64_t pass) {
    order.resize(n);
    for (unsigned i = 0; i < n; ++i) order[i] = g_order == ThreadOrder::Reverse ? n - 1 - i : i;
    if (g_order != ThreadOrder::Random) return;
    uint64_t state = splitmix64(g_seed ^ splitmix64(block * 0x100000001B3ull + pass));
    for (unsigned i = n - 1; i > 0; --i) {
        state = splitmix64(state);
        unsigned j = unsigned(state % (i + 1));
        std::swap(order[i], order[j]);
    }
}

void Worker::run_block(uint64_t linear_block, dim3 grid, dim3 dim, size_t shmem) {
    unsigned n = dim.x * dim.y * dim.z;
    unsigned warps = (n + 31) / 32;
    block.block_idx = dim3(unsigned(linear_block % grid.x), unsigned(linear_block / grid.x % grid.y),
                           unsigned(linear_block / (uint64_t(grid.x) * grid.y)));
    block.block_dim = dim;
    block.grid_dim = grid;
    block.threads = n;
    dynamic_shared.assign(shmem, 0xFF);  // NaN bytes: reading unwritten shared memory shows
    block.dynamic_shared = dynamic_shared.data();
    warp_scratch.assign(size_t(warps) * 32, 0);
    block.warp_scratch = warp_scratch.data();
    t_block = &block;

    threads.resize(n);
    for (unsigned i = 0; i < n; ++i) {
        ThreadState& t = threads[i];
        t.tid = dim3(i % dim.x, i / dim.x % dim.y, i / (dim.x * dim.y));
        t.lane = i % 32;
        t.warp = i / 32;
        t.status = Runnable;
        t.fiber = nullptr;
    }
    live.resize(warps);
    waiting.resize(warps);
    for (uint64_t pass = 0;; ++pass) {
        make_order(order, n, linear_block, pass);
        for (unsigned i : order)
            if (threads[i].status == Runnable) resume(&threads[i]);

        std::fill(live.begin(), live.end(), 0u);
        std::fill(waiting.begin(), waiting.end(), 0u);
        unsigned live_total = 0, at_block = 0;
        for (const ThreadState& t : threads) {
            if (t.status == Done) continue;
            ++live_total;
            ++live[t.warp];
            if (t.status == AtWarpBarrier) ++waiting[t.warp];
            if (t.status == AtBlockBarrier) ++at_block;
        }
        if (live_total == 0) return;
        bool released = false;
        for (ThreadState& t : threads) {
            if (t.status == AtWarpBarrier && waiting[t.warp] == live[t.warp]) {
                t.status = Runnable;
                released = true;
            }
        }
        if (released) continue;
        if (at_block != live_total)
            fatal("deadlock: threads of a block wait at different barriers (divergent "
                  "__syncthreads, or a shuffle/__syncwarp mask that leaves out live lanes)");
        for (ThreadState& t : threads)
            if (t.status == AtBlockBarrier) t.status = Runnable;
    }
}

void park(uint8_t status) {
    ThreadState* t = t_thread;
    t->status = status;
    mcseg_emu_switch(&t->fiber->sp, t_worker.scheduler_sp);
}

}  // namespace

}  // namespace mcseg::emu

extern "C" [[noreturn]] void mcseg_emu_fiber_main(void*) {
    using namespace mcseg::emu;
    for (;;) {
        // Runs the CUDA thread the scheduler bound to this fiber, then hands the fiber back.
        const KernelBody* body = t_worker.body;
        body->run(body->ctx);
        ThreadState* t = t_thread;
        t->status = Done;
        mcseg_emu_switch(&t->fiber->sp, t_worker.scheduler_sp);
    }
}

namespace mcseg::emu {

void syncthreads() { park(AtBlockBarrier); }
void syncwarp() { park(AtWarpBarrier); }

[[noreturn]] void fatal(const char* what) {
    std::fprintf(stderr, "mcseg CUDA emulation: %s\n", what);
    std::abort();
}

void set_thread_order(ThreadOrder order, uint64_t seed) {
    g_order_from_env = true;  // an explicit choice wins over the environment
    g_order = order;
    g_seed = seed;
}

ThreadOrder thread_order() {
    read_order_from_env();
    return g_order;
}

const char* thread_order_name() {
    switch (thread_order()) {
        case ThreadOrder::Forward: return "forward";
        case ThreadOrder::Reverse: return "reverse";
        case ThreadOrder::Random: return "random";
    }
    return "?";
}

namespace {

class BlockPool {
public:
    BlockPool() {
        unsigned n = std::max(1u, std::thread::hardware_concurrency());
        if (const char* env = std::getenv("MCSEG_EMU_THREADS")) n = unsigned(std::max(1, std::atoi(env)));
        for (unsigned i = 1; i < n; ++i) threads_.emplace_back([this] { worker(); });
    }
    ~BlockPool() {
        {
            std::lock_guard<std::mutex> lk(m_);
            stop_ = true;
        }
        start_.notify_all();
        for (auto& t : threads_) t.join();
    }
    unsigned size() const { return unsigned(threads_.size()) + 1; }

    // fn(b) for every b in [0, blocks), spread over the pool; returns when all are done.
    void run(uint64_t blocks, const std::function<void(uint64_t)>& fn) {
        if (threads_.empty() || blocks == 1) {
            for (uint64_t b = 0; b < blocks; ++b) fn(b);
            return;
        }
        std::lock_guard<std::mutex> one_launch_at_a_time(launch_);
        {
            std::lock_guard<std::mutex> lk(m_);
            job_ = &fn;
            total_ = blocks;
            next_ = 0;
            busy_ = unsigned(threads_.size());
            ++generation_;
        }
        start_.notify_all();
        drain();
        std::unique_lock<std::mutex> lk(m_);
        done_.wait(lk, [this] { return busy_ == 0; });
        job_ = nullptr;
    }

private:
    void drain() {
        for (uint64_t b; (b = next_.fetch_add(1)) < total_;) (*job_)(b);
    }
    void worker() {
        uint64_t seen = 0;
        for (;;) {
            {
                std::unique_lock<std::mutex> lk(m_);
                start_.wait(lk, [&] { return stop_ || generation_ != seen; });
                if (stop_) return;
                seen = generation_;
            }
            drain();
            std::lock_guard<std::mutex> lk(m_);
            if (--busy_ == 0) done_.notify_one();
        }
    }

    std::vector<std::thread> threads_;
    std::mutex m_, launch_;
    std::condition_variable start_, done_;
    const std::function<void(uint64_t)>* job_ = nullptr;
    std::atomic<uint64_t> next_{0};
    uint64_t total_ = 0, generation_ = 0;
    unsigned busy_ = 0;
    bool stop_ = false;
};

BlockPool& pool() {
    static BlockPool p;
    return p;
}

}  // namespace

unsigned worker_threads() { return pool().size(); }

cudaError_t record_error(cudaError_t e);  // runtime.cpp: the sticky cudaGetLastError value

cudaError_t launch(dim3 grid, dim3 block, size_t shmem, cudaStream_t, KernelBody body) {
    read_order_from_env();
    uint64_t threads = uint64_t(block.x) * block.y * block.z;
    uint64_t blocks = uint64_t(grid.x) * grid.y * grid.z;
    if (threads == 0 || threads > 1024 || blocks == 0 || block.z > 64 || grid.y > 65535 ||
        grid.z > 65535 || shmem > kMaxDynamicShared)
        return record_error(cudaErrorInvalidConfiguration);
    const bool reverse = g_order == ThreadOrder::Reverse;
    pool().run(blocks, [&](uint64_t b) {
        Worker& w = t_worker;
        w.body = &body;
        w.run_block(reverse ? blocks - 1 - b : b, grid, block, shmem);
    });
    return cudaSuccess;
}

}  // namespace mcseg::emu
