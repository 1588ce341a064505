// engine/backend.cpp — which backend serves which device.
#include "engine/backend.h"

#include "engine/error.h"

namespace mcseg {

const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

static Backend* g_cuda_backend = nullptr;

void install_cuda_backend(Backend* backend) { g_cuda_backend = backend; }

bool cuda_available() { return g_cuda_backend != nullptr; }

Backend& cuda_backend() {
    if (!g_cuda_backend) fail("no CUDA backend: this build has no CUDA support or no GPU was found");
    return *g_cuda_backend;
}

Backend& backend_for(Device d) { return d == Device::CPU ? cpu_backend() : cuda_backend(); }

}  // namespace mcseg
