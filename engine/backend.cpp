// engine/backend.cpp — which backend serves which device.
#include "engine/backend.h"

#include "engine/error.h"

namespace mcseg {

const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

static Backend* g_cuda_backend = nullptr;
static Backend* (*g_cuda_factory)() = nullptr;

void install_cuda_backend(Backend* backend) { g_cuda_backend = backend; }

void install_cuda_backend_factory(Backend* (*make)()) { g_cuda_factory = make; }

// The installed backend, else the factory's (made once), else null.
static Backend* cuda_backend_or_null() {
    if (!g_cuda_backend && g_cuda_factory) {
        auto make = g_cuda_factory;
        g_cuda_factory = nullptr;
        g_cuda_backend = make();
    }
    return g_cuda_backend;
}

bool cuda_available() { return cuda_backend_or_null() != nullptr; }

Backend& cuda_backend() {
    if (!cuda_backend_or_null()) fail("no CUDA backend: this build has no CUDA support or no GPU was found");
    return *g_cuda_backend;
}

Device resolve_device(const std::string& which) {
    if (which == "cpu") return Device::CPU;
    if (which == "cuda") {
        cuda_backend();  // fails with the reason when there is none
        return Device::CUDA;
    }
    if (which == "auto") return cuda_available() ? Device::CUDA : Device::CPU;
    fail("device must be cpu, cuda or auto, not '", which, "'");
}

Backend& backend_for(Device d) { return d == Device::CPU ? cpu_backend() : cuda_backend(); }

}  // namespace mcseg
