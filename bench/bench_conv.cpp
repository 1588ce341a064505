// bench/bench_conv.cpp — `mcseg bench conv`: each 3×3 conv layer of the paper's network in
// inference (forward, bias, no tape) on the CPU backend, against PyTorch's best form of the
// same convolution on the same CPU, in the same run.
//
// Layers: conv1..conv6 of the net (N=49 same, width 32 by default; --patch/--valid/--filters
// change it) at --batch patches, each on random input of its layer's shape. Ours is
// ops::conv3x3 (kernels/cpu/conv3x3.cpp: an implicit gemm reading the image in place), timed as
// bench/timing.h says; the peer is bench/peer_torch_conv.py with Debian's PyTorch
// (/usr/bin/python3), which times NCHW, channels_last and oneDNN forms of each layer, checked
// against each other, and reports the fastest (peer_variant).
//
// One JSON object per line: case (conv1_fwd .. conv6_fwd, then conv_trunk_fwd for the six
// together: their FLOPs over the sum of their times), the layer's shape, ours and peer in
// GFLOP/s (2·9·c_in·c_out·h_out·w_out·n FLOPs), ratio (ours/peer, higher is better), ours as a
// fraction of the FP32 peak measured at run time (bench/peak.h), the machine.
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/cli/args.h"
#include "bench/bench.h"
#include "bench/options.h"
#include "bench/peak.h"
#include "bench/peer.h"
#include "bench/timing.h"
#include "engine/ops.h"
#include "engine/philox.h"
#include "nets/network.h"

namespace mcseg {
namespace {

std::string shape_arg(const Conv3x3Shape& s) {
    return std::to_string(s.n) + "," + std::to_string(s.c_in) + "," + std::to_string(s.h) + "," + std::to_string(s.w) +
           "," + std::to_string(s.c_out) + "," + std::to_string(s.pad);
}

Tensor random_tensor(std::vector<int> shape, uint64_t stream) {
    size_t count = 1;
    for (int d : shape) count *= static_cast<size_t>(d);
    std::vector<float> v(count);
    for (size_t i = 0; i < v.size(); ++i) v[i] = philox_uniform_at(9, stream, i) * 2.0f - 1.0f;
    return Tensor::from_host(shape, v);
}

// GFLOP/s of ops::conv3x3 on layer s (fastest call).
double time_ours(const Conv3x3Shape& s, double seconds, uint64_t stream) {
    const Tensor x = random_tensor({s.n, s.c_in, s.h, s.w}, 3 * stream), w = random_tensor({s.c_out, s.c_in, 3, 3}, 3 * stream + 1),
                 b = random_tensor({s.c_out}, 3 * stream + 2);
    NoGradGuard no_grad;
    const Rate r = rate([&] { ops::conv3x3(x, w, b, s.pad); }, seconds);
    return r.best * s.flops() / 1e9;
}

void print_line(const std::string& name, const std::string& shape, double ours, const Peer& peer, double peer_gflops,
                const std::string& variant, double peak, int threads) {
    using nlohmann::ordered_json;
    const bool have_peer = peer.error.empty();
    ordered_json j;
    j["case"] = name;
    j["shape"] = shape;
    j["ours"] = ours;
    j["peer"] = have_peer ? ordered_json(peer_gflops) : nullptr;
    j["unit"] = "GFLOP/s";
    j["ratio"] = have_peer ? ordered_json(ours / peer_gflops) : nullptr;
    j["ours_peak_fraction"] = ours / peak;
    j["peak_gflops"] = peak;
    if (have_peer) j["peer_variant"] = variant;
    if (!have_peer) j["peer_error"] = peer.error;
    j["threads"] = threads;
    j["machine"] = machine_name();
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
}

int run(int argc, char** argv) {
    Args a(argc, argv, "mcseg bench conv [options]",
           "Each 3x3 conv layer of the paper's network in inference on the CPU backend, against PyTorch CPU.");
    add_net_options(a);
    a.option("--batch", "B", "patches per call", "256");
    a.option("--seconds", "S", "minimum timed seconds per layer (each side)", "2");
    add_peer_options(a, "bench/peer_torch_conv.py");
    if (a.parse()) return 0;
    const NetConfig cfg = net_from_options(a);
    const int batch = static_cast<int>(a.get_int("--batch", 1, 65536));
    const double seconds = a.get_double("--seconds", 0.01, 3600);
    const int threads = threads_from_options(a);

    const std::vector<Conv3x3Shape> layers = cfg.conv_shapes(batch, cfg.patch, cfg.patch);
    std::vector<double> ours;
    for (size_t k = 0; k < layers.size(); ++k) ours.push_back(time_ours(layers[k], seconds, k));
    Peer peer;
    if (a.get_flag("--no-peer")) {
        peer.error = "skipped (--no-peer)";
    } else {
        std::string args = "--threads " + std::to_string(threads) + " --seconds " + std::to_string(seconds);
        for (const Conv3x3Shape& s : layers) args += " --layer " + shape_arg(s);
        peer = run_python_peer(a.get("--python"), a.get("--peer-script"), args, "layers");
    }
    const double peak = measured_peak_gflops();
    double total_flops = 0, ours_seconds = 0, peer_seconds = 0;
    for (size_t k = 0; k < layers.size(); ++k) {
        const nlohmann::json p = peer.error.empty() ? peer.result["layers"][k] : nlohmann::json::object();
        const double peer_gflops = p.value("gflops", 0.0);
        print_line("conv" + std::to_string(k + 1) + "_fwd", shape_arg(layers[k]), ours[k], peer, peer_gflops,
                   p.value("variant", ""), peak, threads);
        total_flops += layers[k].flops();
        ours_seconds += layers[k].flops() / ours[k];
        peer_seconds += peer_gflops > 0 ? layers[k].flops() / peer_gflops : 0;
    }
    print_line("conv_trunk_fwd", "conv1..conv6", total_flops / ours_seconds, peer,
               peer_seconds > 0 ? total_flops / peer_seconds : 0, "each layer's fastest", peak, threads);
    return 0;
}

const RegisterBench reg{{"conv", "each conv layer of the network in inference vs PyTorch CPU", run}};

}  // namespace
}  // namespace mcseg
