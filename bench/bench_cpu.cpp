// bench/bench_cpu.cpp — `mcseg bench cpu`: the paper's network on the CPU backend against
// PyTorch on the same CPU, in the same run.
//
// Cases (N=49 same, width 32 by default; --patch/--valid/--filters change it):
//   train_step  forward (training mode, dropout 0.5) + mean cross-entropy + backward + Adam, at
//               --batch (256, the paper's), in samples/s;
//   inference   eval mode, no tape (batch norms folded into the convs), at --infer-batch
//               (1024), in patches/s.
// Each is timed as bench/timing.h says, for --seconds: ours/peer are the rate of the fastest
// repetition, the mean rate over the window is printed beside it (ours_mean, peer_mean). Both
// sides are timed the same way. The peer is
// bench/peer_torch_cpu.py run with Debian's PyTorch (/usr/bin/python3), which
// defines the same network, times the same steps in each memory layout and inference mode a
// skilled user would try (folded batch norm, oneDNN modules, channels_last; see its header) and
// reports the fastest (peer_variant); if it cannot run, peer is null and peer_error says why.
// Both sides use --threads threads (2, this machine's cores, by default).
//
// One JSON object per line: case, ours, peer, unit, ratio (ours/peer, higher is better), the
// GFLOP/s both reach and ours as a fraction of the FP32 peak measured at run time
// (bench/peak.h). FLOPs are counted from the layer shapes: a 3×3 conv producing c_out×h×w
// from c_in channels is 2·9·c_in·c_out·h·w multiply-adds-as-two, a linear layer 2·in·out;
// batch norm, ReLU, pooling and the loss are not counted. Training counts 3× the forward pass
// (backward computes two products of the forward's size: the input and the weight gradients).
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "apps/cli/args.h"
#include "bench/bench.h"
#include "bench/options.h"
#include "bench/peak.h"
#include "bench/peer.h"
#include "bench/timing.h"
#include "engine/ops.h"
#include "engine/optim.h"
#include "engine/philox.h"
#include "nets/network.h"

namespace mcseg {
namespace {

Tensor random_input(int n, int patch, uint64_t stream) {
    std::vector<float> v(static_cast<size_t>(n) * patch * patch);
    for (size_t i = 0; i < v.size(); ++i) v[i] = philox_uniform_at(7, stream, i) * 2.0f - 1.0f;
    return Tensor::from_host({n, 1, patch, patch}, v);
}

Peer run_peer(const std::string& python, const std::string& script, const NetConfig& cfg, int batch,
              int infer_batch, int threads, double seconds) {
    const std::string args = "--patch " + std::to_string(cfg.patch) + (cfg.same ? "" : " --valid") + " --filters " +
                             std::to_string(cfg.filters) + " --batch " + std::to_string(batch) + " --infer-batch " +
                             std::to_string(infer_batch) + " --threads " + std::to_string(threads) + " --seconds " +
                             std::to_string(seconds);
    return run_python_peer(python, script, args, "train_samples_per_s");
}

// One case's JSON line. ours: calls per second of the timed step, each call `batch` items;
// the peer reports items per second under `peer_key` (fastest repetition) and peer_key + "_mean".
void print_case(const char* name, Rate ours, const Peer& peer, const std::string& peer_key, const char* unit,
                double flops_per_item, const NetConfig& cfg, int batch, int threads, double peak) {
    using nlohmann::ordered_json;
    const bool have_peer = peer.error.empty();
    const double best = ours.best * batch, peer_best = have_peer ? peer.result[peer_key].get<double>() : 0;
    ordered_json j;
    j["case"] = name;
    j["ours"] = best;
    j["peer"] = have_peer ? ordered_json(peer_best) : nullptr;
    j["unit"] = unit;
    j["ratio"] = have_peer ? ordered_json(best / peer_best) : nullptr;
    j["ours_gflops"] = best * flops_per_item / 1e9;
    j["peer_gflops"] = have_peer ? ordered_json(peer_best * flops_per_item / 1e9) : nullptr;
    j["peak_gflops"] = peak;
    j["ours_peak_fraction"] = best * flops_per_item / 1e9 / peak;
    j["ours_mean"] = ours.mean * batch;
    j["peer_mean"] = have_peer ? ordered_json(peer.result[peer_key + "_mean"].get<double>()) : nullptr;
    j["mflop_per_item"] = flops_per_item / 1e6;
    j["batch"] = batch;
    j["net"] = nlohmann::json::parse(cfg.to_json());
    j["threads"] = threads;
    j["machine"] = machine_name();
    j["peer_name"] = "pytorch-cpu-" + std::to_string(threads) + "-threads";
    if (have_peer) j["peer_variant"] = peer.result[name == std::string("train_step") ? "train_variant" : "infer_variant"];
    if (!have_peer) j["peer_error"] = peer.error;
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
}

int run(int argc, char** argv) {
    Args a(argc, argv, "mcseg bench cpu [options]",
           "Training step and inference of the paper's network on the CPU backend, against PyTorch CPU.");
    add_net_options(a);
    a.option("--batch", "B", "training batch", "256");
    a.option("--infer-batch", "B", "inference batch", "1024");
    a.option("--seconds", "S", "minimum timed seconds per case (each side)", "10");
    add_peer_options(a, "bench/peer_torch_cpu.py");
    if (a.parse()) return 0;
    const NetConfig cfg = net_from_options(a);
    const int batch = static_cast<int>(a.get_int("--batch", 2, 65536)), infer_batch = static_cast<int>(a.get_int("--infer-batch", 1, 65536));
    const double seconds = a.get_double("--seconds", 0.01, 3600);
    const int threads = threads_from_options(a);

    Network net(cfg, 1);
    Adam adam(net.parameter_tensors(), 1e-3f);
    const Tensor x = random_input(batch, cfg.patch, 0);
    std::vector<float> lab(batch);
    for (int i = 0; i < batch; ++i) lab[i] = static_cast<float>(i % 2);
    const Tensor labels = Tensor::from_host({batch}, lab);
    uint64_t step = 0;
    const Rate train = rate(
                                     [&] {
                                         adam.zero_grad();
                                         Tensor loss = ops::softmax_cross_entropy(net.forward(x, true, ++step), labels);
                                         loss.backward();
                                         adam.step();
                                     },
                                     seconds);
    const Tensor xi = random_input(infer_batch, cfg.patch, 1);
    const Rate infer = rate(
                                           [&] {
                                               NoGradGuard no_grad;
                                               net.forward(xi, false);
                                           },
                                           seconds);

    Peer peer;
    if (a.get_flag("--no-peer"))
        peer.error = "skipped (--no-peer)";
    else
        peer = run_peer(a.get("--python"), a.get("--peer-script"), cfg, batch, infer_batch, threads, seconds);
    const double fwd = cfg.forward_flops(), peak = measured_peak_gflops();
    print_case("train_step", train, peer, "train_samples_per_s", "samples/s", 3 * fwd, cfg, batch, threads, peak);
    print_case("inference", infer, peer, "infer_patches_per_s", "patches/s", fwd, cfg, infer_batch, threads, peak);
    return 0;
}

const RegisterBench reg{{"cpu", "training step and inference of the network vs PyTorch CPU", run}};

}  // namespace
}  // namespace mcseg
