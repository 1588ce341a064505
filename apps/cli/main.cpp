// apps/cli/main.cpp — the `mcseg` executable: dispatches to the registered subcommands.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <unistd.h>

#include "apps/cli/commands.h"
#include "engine/error.h"
#if defined(MCSEG_HAVE_CUDA)
#include "kernels/cuda/cuda_backend.h"
#endif

int main(int argc, char** argv) {
    using namespace mcseg;
    // libgomp's idle threads spin by default, and they then compete with the threads that have
    // work: on the 2-core machine the demo takes 39 s spinning and 18 s passive. libgomp reads
    // OMP_WAIT_POLICY once, when it loads, so unless the user chose a policy mcseg starts itself
    // again with the passive one (if that fails it simply runs as it is).
    if (!std::getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "passive", 1);
        execv("/proc/self/exe", argv);
    }
#if defined(MCSEG_HAVE_CUDA)
    install_cuda_backend_factory(&cuda::make_default_backend);  // the GPU, when one is asked for
#endif
    try {
        return commands().dispatch(argc, argv);
    } catch (const Error& e) {
        std::fprintf(stderr, "mcseg %s: error: %s\n", argv[1], e.what());
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "mcseg %s: error: out of memory\n", argv[1]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mcseg %s: internal error: %s\n", argv[1], e.what());
    }
    return 1;
}
