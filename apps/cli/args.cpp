// apps/cli/args.cpp — the option parser (see args.h).
#include "apps/cli/args.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "engine/error.h"

namespace mcseg {

Args::Args(int argc, char** argv, std::string usage, std::string description)
    : argv_(argv, argv + argc), usage_(std::move(usage)), description_(std::move(description)) {}

void Args::option(const std::string& name, const std::string& metavar, const std::string& help,
                  std::optional<std::string> default_value) {
    order_.push_back(name);
    specs_[name] = Spec{metavar, help, std::move(default_value), false};
}

void Args::flag(const std::string& name, const std::string& help) {
    order_.push_back(name);
    specs_[name] = Spec{"", help, std::nullopt, true};
}

std::string Args::help() const {
    std::ostringstream s;
    s << "usage: " << usage_ << "\n\n" << description_ << "\n";
    if (!order_.empty()) s << "\noptions:\n";
    for (const auto& name : order_) {
        const Spec& sp = specs_.at(name);
        std::string left = name + (sp.is_flag ? "" : " " + sp.metavar);
        s << "  " << left;
        for (size_t i = left.size(); i < 24; ++i) s << ' ';
        s << " " << sp.help;
        if (sp.default_value) s << " (default " << *sp.default_value << ")";
        else if (!sp.is_flag) s << " (required)";
        s << "\n";
    }
    s << "  --help                   show this help\n";
    return s.str();
}

bool Args::parse() {
    for (size_t i = 1; i < argv_.size(); ++i) {
        const std::string& w = argv_[i];
        if (w == "--help" || w == "-h") {
            std::fputs(help().c_str(), stdout);
            return true;
        }
        if (w.size() > 2 && w.compare(0, 2, "--") == 0) {
            std::string name = w, value;
            bool inline_value = false;
            if (auto eq = w.find('='); eq != std::string::npos) {
                name = w.substr(0, eq);
                value = w.substr(eq + 1);
                inline_value = true;
            }
            auto it = specs_.find(name);
            if (it == specs_.end()) fail("unknown option ", name, " (see --help)");
            if (it->second.is_flag) {
                if (inline_value) fail(name, " takes no value");
                values_[name] = "1";
            } else {
                if (!inline_value) {
                    if (i + 1 >= argv_.size()) fail(name, " needs a value (", it->second.metavar, ")");
                    value = argv_[++i];
                }
                values_[name] = value;
            }
        } else {
            positionals_.push_back(w);
        }
    }
    for (const auto& name : order_) {
        const Spec& sp = specs_.at(name);
        if (!sp.is_flag && !sp.default_value && !values_.count(name))
            fail("missing required option ", name, " ", sp.metavar, " (see --help)");
    }
    return false;
}

bool Args::has(const std::string& name) const {
    if (values_.count(name)) return true;
    auto it = specs_.find(name);
    return it != specs_.end() && it->second.default_value.has_value();
}

bool Args::given(const std::string& name) const { return values_.count(name) > 0; }

std::vector<std::string> Args::given_options() const {
    std::vector<std::string> names;
    for (const auto& [name, value] : values_) names.push_back(name);
    return names;
}

std::string Args::get(const std::string& name) const {
    if (auto v = values_.find(name); v != values_.end()) return v->second;
    auto it = specs_.find(name);
    if (it == specs_.end() || !it->second.default_value)
        fail("option ", name, " was not given");
    return *it->second.default_value;
}

long long Args::get_int(const std::string& name, long long lo, long long hi) const {
    std::string v = get(name);
    char* end = nullptr;
    errno = 0;
    long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno == ERANGE) fail(name, " expects an integer, got '", v, "'");
    if (x < lo || x > hi) fail(name, " must be in ", lo, "..", hi, ", got ", v);
    return x;
}

double Args::get_double(const std::string& name, double lo, double hi) const {
    std::string v = get(name);
    char* end = nullptr;
    errno = 0;
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || errno == ERANGE) fail(name, " expects a number, got '", v, "'");
    if (!(x >= lo && x <= hi)) fail(name, " must be a number in [", lo, ", ", hi, "], got ", v);
    return x;
}

bool Args::get_flag(const std::string& name) const { return values_.count(name) > 0; }

}  // namespace mcseg
