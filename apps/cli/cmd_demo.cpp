// apps/cli/cmd_demo.cpp — `mcseg demo --out DIR`: the project's main job on its bundled default.
//
// The bundled mammogram is a synthetic one (no public mammogram with pixel-level MC masks can be
// shipped), regenerated bit for bit from its seed: `mcseg synth --seed 32 --first 17` is a
// full-field 4095×5625 CC view at 0.05 mm with one cluster (apps/synth/synth.h, kDemoSeed; the
// image `mcseg bench segment` times). The demo runs the other commands on it, in the order a
// user would:
//
//   mcseg synth   --seed 32 --first 17 --count 1 --out DIR/truth          (image + ground truth)
//   mcseg segment DIR/truth/synth_0032_0017.png --out DIR/cnn               (shipped weights)
//   mcseg segment DIR/truth/synth_0032_0017.png --out DIR/classic --method classic
//   mcseg score   --pred DIR/cnn --truth DIR/truth --json DIR/cnn/score.json   (same for classic)
//
// and ends with the two methods' scores side by side and the paths of the files to look at.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/synth/dataset.h"
#include "engine/error.h"

namespace mcseg {
namespace {

namespace fs = std::filesystem;

// Prints `$ mcseg WORDS...`, then runs it (apps/cli/args.h); a non-zero status is an Error.
void step(const std::vector<std::string>& words) {
    std::printf("\n$ mcseg");
    for (const std::string& w : words) std::printf(" %s", w.c_str());
    std::printf("\n");
    std::fflush(stdout);
    if (int rc = run_command(words); rc != 0) fail("mcseg ", words[0], " exited with status ", rc);
}

nlohmann::json read_json(const fs::path& path) {
    std::ifstream in(path);
    if (!in) fail("cannot read '", path.string(), "'");
    return nlohmann::json::parse(in);
}

// A number of score.json with two decimals; "n/a" for null (an FP rate the FROC curve does not reach).
std::string figure(const nlohmann::json& v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v.is_null() ? 0.0 : v.get<double>());
    return v.is_null() ? "n/a" : buf;
}

int run_demo(int argc, char** argv) {
    Args a(argc, argv, "mcseg demo --out DIR [--device D] [--weights-dir DIR]",
           "The main job on the bundled default: synthesise the bundled mammogram (seed 32, image 17)\n"
           "with its ground truth, segment it with the shipped weights and with the classic baseline,\n"
           "score both against the truth, and print where the overlay and the reports are.");
    a.option("--out", "DIR", "output folder (created)");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    a.option("--weights-dir", "DIR", "folder with the shipped weights", "weights");
    a.option("--seed", "S", "synthetic image seed", std::to_string(kDemoSeed));
    a.option("--index", "K", "synthetic image index", std::to_string(kDemoIndex));
    if (a.parse()) return 0;
    const fs::path out = a.get("--out");
    const std::string seed = a.get("--seed"), index = a.get("--index");
    const fs::path truth = out / "truth", cnn = out / "cnn", classic = out / "classic";
    step({"synth", "--seed", seed, "--first", index, "--count", "1", "--out", truth.string()});
    const std::string name = synth_name(uint64_t(a.get_int("--seed", 0, kMaxSeed)), a.get_int("--index", 0, 1000000000));
    const std::string image = (truth / (name + ".png")).string();
    step({"segment", image, "--out", cnn.string(), "--device", a.get("--device"), "--weights-dir",
                 a.get("--weights-dir")});
    step({"segment", image, "--out", classic.string(), "--method", "classic"});
    for (const fs::path& pred : {cnn, classic})
        step({"score", "--pred", pred.string(), "--truth", truth.string(), "--json",
                     (pred / "score.json").string(), "--froc", (pred / "froc.png").string()});

    std::printf("\n%-8s %8s %16s %14s %20s %12s  %s\n", "method", "Dice", "MC sensitivity", "FP per image",
                "cluster sensitivity", "FP per cm2", "MC sensitivity at 0.1 / 0.3 / 1 FP per cm2 (mean)");
    for (const fs::path& pred : {cnn, classic}) {
        nlohmann::json s = read_json(pred / "score.json");
        const nlohmann::json& at = s.at("froc_at_fp_per_cm2");
        std::printf("%-8s %8.3f %16.3f %14.1f %20.3f %12s  %s / %s / %s (%s)\n", pred.filename().c_str(),
                    s.at("dice").get<double>(), s.at("mc_sensitivity").get<double>(), s.at("fp_per_image").get<double>(),
                    s.at("cluster_sensitivity").get<double>(), figure(s.at("false_mcs_per_cm2")).c_str(),
                    figure(at.at("mc_sensitivity")[0]).c_str(), figure(at.at("mc_sensitivity")[1]).c_str(),
                    figure(at.at("mc_sensitivity")[2]).c_str(), figure(at.at("mean")).c_str());
    }
    std::printf("\nlook at %s (overlay), %s (report), %s (ground truth)\n",
                (cnn / (name + "_overlay.png")).string().c_str(),
                (cnn / (name + ".json")).string().c_str(), (truth / (name + ".json")).string().c_str());
    return 0;
}

const RegisterCommand reg{{"demo", "the main job: segment the bundled synthetic mammogram, score it, show the overlay", run_demo}};

}  // namespace
}  // namespace mcseg
