// nets/weights.h — a network's weights on disk: a safetensors file (engine/safetensors.h) whose
// tensors are the network's state under PyTorch's names (conv1.weight ... bn7.running_var ...
// fc2.bias) and whose metadata says what it holds:
//   mcseg.net        the NetConfig as JSON (required to load the file)
//   mcseg.kind       "detector" or "segmentator" (written by training)
//   mcseg.threshold  the decision threshold chosen on validation data (apps/evaluation/threshold.h)
//   mcseg.pipeline_threshold  (Segmentator) the whole-image operating point chosen on validation
//                    mammograms, mcseg segment's default --threshold (apps/evaluation/threshold.h)
// plus whatever the writer adds (training writes its step and data). A run's checkpoint is a
// weights file that also holds the optimiser's and the schedule's state (checkpoint_only_key).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nets/network.h"

namespace mcseg {

using Metadata = std::map<std::string, std::string>;

// The network's state tensors by name, in layer order (what a weights file holds).
std::vector<std::pair<std::string, Tensor>> named_state(Network& net);

// Writes net's state with its config (mcseg.net) and `metadata`, atomically.
void save_network(const std::string& path, Network& net, const Metadata& metadata);

// Reads a weights file: its network config from the metadata, then the weights, checked name by
// name and shape by shape (extra tensors, such as a checkpoint's optimiser state, are ignored).
Network load_network(const std::string& path, Device device, Metadata* metadata = nullptr);

// The network a weights file holds ("detector" | "segmentator", metadata mcseg.kind); an Error
// naming the file `path` when the metadata does not say.
std::string network_kind(const Metadata& meta, const std::string& path);

// Metadata that only a checkpoint carries, to resume a run: adam.*, mcseg.train, mcseg.schedule,
// mcseg.best_step.
bool checkpoint_only_key(const std::string& key);

inline constexpr const char* kThresholdKey = "mcseg.threshold";
inline constexpr const char* kPipelineThresholdKey = "mcseg.pipeline_threshold";

// The threshold stored in a weights file's metadata under `key`, 0.5 when absent; an Error naming
// the file `path` when it is not a number strictly between 0 and 1.
double stored_threshold(const Metadata& metadata, const std::string& path, const char* key = kThresholdKey);

// load_network, refusing a missing file or a network of another kind than `kind` with an Error
// that names the file.
Network load_network_of_kind(const std::string& path, const std::string& kind, Device device,
                             Metadata* metadata = nullptr);

}  // namespace mcseg
