// apps/cli/main.cpp — the `mcseg` executable: dispatches to the registered subcommands.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <unistd.h>

#include "apps/cli/commands.h"
#include "engine/error.h"
#if defined(MCSEG_HAVE_CUDA)
#include "kernels/cuda/cuda_backend.h"
#endif

namespace {

// Settings that the runtime libraries read once, when they load, so mcseg sets them and starts
// itself again (if that fails it simply runs as it is); a setting the user chose is left alone.
//  * OMP_WAIT_POLICY=passive: libgomp's idle threads spin by default, competing with the threads
//    that have work: on the 2-core machine the demo took 39 s spinning and 18 s passive.
//  * glibc.malloc.hugetlb=1 (GLIBC_TUNABLES): glibc backs large allocations with transparent huge
//    pages, so a full-field mammogram's image-sized buffers fault in 2 MB at a time instead of
//    4 KB; on the 2-core EPYC VM, where a page fault costs about 15 µs, bench segment went from
//    8.0 to 5.5 s (the Otsu and normalisation stage 1.8 -> 0.5 s). Set hugetlb=0 to opt out.
void restart_with_runtime_settings(char** argv) {
    bool changed = false;
    if (!std::getenv("OMP_WAIT_POLICY")) {
        setenv("OMP_WAIT_POLICY", "passive", 1);
        changed = true;
    }
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    const std::string t = tunables ? tunables : "";
    if (t.find("glibc.malloc.hugetlb") == std::string::npos) {
        setenv("GLIBC_TUNABLES", ((t.empty() ? t : t + ":") + "glibc.malloc.hugetlb=1").c_str(), 1);
        changed = true;
    }
    if (changed) execv("/proc/self/exe", argv);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace mcseg;
    restart_with_runtime_settings(argv);
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
