// apps/cli/args.h — the option parser every `mcseg` subcommand and benchmark uses.
#pragma once
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.h"

namespace mcseg {

inline constexpr long long kMaxSeed = std::numeric_limits<long long>::max();  // seeds: 0..kMaxSeed

// Args: declare the options a command accepts, then read them.
//
//   Args a(argc, argv, "mcseg synth --seed S --count K --out DIR", "Make synthetic mammograms.");
//   a.option("--seed", "S", "random seed", "1");
//   a.option("--out", "DIR", "output folder");          // no default: required
//   a.flag("--film", "digitised-film variant");
//   if (a.parse()) return 0;                           // --help was printed
//   int seed = a.get_int("--seed");
//
// parse() rejects unknown options, missing values and missing required options with
// mcseg::Error. Non-option words are collected as positionals().
class Args {
public:
    Args(int argc, char** argv, std::string usage, std::string description);
    void option(const std::string& name, const std::string& metavar, const std::string& help,
                std::optional<std::string> default_value = std::nullopt);
    void flag(const std::string& name, const std::string& help);
    // Returns true when --help was asked for (help already printed to stdout).
    bool parse();

    bool has(const std::string& name) const;    // given on the command line, or has a default
    bool given(const std::string& name) const;  // given on the command line
    std::vector<std::string> given_options() const;  // the options (and flags) given, by name
    std::string get(const std::string& name) const;
    // Numbers in [lo, hi], else an Error naming the option and the range (NaN and infinities are
    // never in range; 99999999999 for an int option is an error, not a wrapped value).
    long long get_int(const std::string& name, long long lo, long long hi) const;
    double get_double(const std::string& name, double lo, double hi) const;
    // parse(get(name)), an Error from it reported as "NAME: error" (e.g. parsed("--net", parse_task)).
    template <class Parse>
    auto parsed(const std::string& name, Parse parse) const {
        try {
            return parse(get(name));
        } catch (const Error& e) {
            fail(name, ": ", e.what());
        }
    }
    bool get_flag(const std::string& name) const;
    const std::vector<std::string>& positionals() const { return positionals_; }
    std::string help() const;

private:
    struct Spec {
        std::string metavar, help;
        std::optional<std::string> default_value;
        bool is_flag = false;
    };
    std::vector<std::string> argv_;
    std::string usage_, description_;
    std::vector<std::string> order_;
    std::map<std::string, Spec> specs_;
    std::map<std::string, std::string> values_;
    std::vector<std::string> positionals_;
};

}  // namespace mcseg
