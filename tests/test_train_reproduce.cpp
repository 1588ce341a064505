// tests/test_train_reproduce.cpp — `mcseg reproduce --quick`: the whole study (synthesis, three
// patch databases, eight trainings, calibration, Table 1) at toy scale, what its report holds, and
// that running it again retrains nothing and still reports the whole study's time.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "apps/cli/commands.h"
#include "apps/evaluation/threshold.h"
#include "engine/safetensors.h"

using namespace mcseg;
namespace fs = std::filesystem;

TEST_CASE("reproduce: --quick trains all eight networks and reports each at its validation-chosen threshold") {
    const fs::path dir = fs::temp_directory_path() / ("mcseg_test_reproduce_" + std::to_string(getpid()));
    fs::remove_all(dir);
    CHECK(run_command({"reproduce", "--quick", "--out", dir.string(), "--device", "cpu"}) == 0);
    const nlohmann::json report = nlohmann::json::parse(std::ifstream(dir / "report.json"));
    REQUIRE(report["runs"].size() == 12);  // 2 networks x same/valid x N = 29, 39, 49
    int trained = 0;
    for (const auto& run : report["runs"]) {
        const std::string name = run["run"];
        CAPTURE(name);
        // valid convolutions shrink a 29- or 39-pixel patch to nothing before the FC layers.
        const bool constructible = name.find("valid") == std::string::npos || name.find("n49") != std::string::npos;
        CHECK(run["constructible"].get<bool>() == constructible);
        if (!run["constructible"].get<bool>()) continue;
        ++trained;
        CHECK(run["training"]["steps"] == 60);
        const double t = run["table1"]["threshold"];
        CHECK(t > 0);
        CHECK(t < 1);
        CHECK(run["table1_argmax"]["threshold"] == 0.5);
        CHECK(run["table1"]["class_count"] == run["table1_argmax"]["class_count"]);
        const fs::path best = dir / "runs" / name / "best.safetensors";
        const double stored = stored_threshold(load_safetensors(best.string()).metadata, best.string());
        CHECK(stored == doctest::Approx(t).epsilon(1e-4));
        CHECK(fs::exists(dir / "runs" / name / "curves.png"));
    }
    CHECK(trained == 8);
    std::ifstream md(dir / "report.md");
    const std::string text((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
    CHECK(text.find("| segmentator | 49 | valid | paper |") != std::string::npos);
    CHECK(text.find("Total time") != std::string::npos);

    // Run again: nothing is retrained, and the report still counts the first run's work.
    CHECK(run_command({"reproduce", "--quick", "--out", dir.string(), "--device", "cpu"}) == 0);
    const nlohmann::json again = nlohmann::json::parse(std::ifstream(dir / "report.json"));
    CHECK(again["seconds_synth"].get<double>() >= report["seconds_synth"].get<double>());
    CHECK(again["seconds_training"] == report["seconds_training"]);
    CHECK(again["seconds_total"].get<double>() > again["seconds_this_invocation"].get<double>());
    for (size_t i = 0; i < again["runs"].size(); ++i)
        CHECK(again["runs"][i].value("table1", nlohmann::json()) == report["runs"][i].value("table1", nlohmann::json()));
    fs::remove_all(dir);
}
