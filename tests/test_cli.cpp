// tests/test_cli.cpp — the argument parser every subcommand uses.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "apps/cli/args.h"
#include "engine/error.h"

using namespace mcseg;

namespace {
struct Argv {
    std::vector<std::string> words;
    std::vector<char*> ptrs;
    explicit Argv(std::vector<std::string> w) : words(std::move(w)) {
        for (auto& s : words) ptrs.push_back(s.data());
    }
    int argc() { return static_cast<int>(ptrs.size()); }
    char** argv() { return ptrs.data(); }
};
Args make(Argv& a) {
    Args args(a.argc(), a.argv(), "mcseg x --out DIR", "test");
    args.option("--out", "DIR", "output");
    args.option("--seed", "S", "seed", "7");
    args.flag("--film", "film");
    return args;
}
}  // namespace

TEST_CASE("cli: options, defaults, flags and positionals") {
    Argv a({"x", "--out", "d", "img1.png", "--film", "--seed=12", "img2.png"});
    Args args = make(a);
    CHECK_FALSE(args.parse());
    CHECK(args.get("--out") == "d");
    CHECK(args.get_int("--seed", 0, 100) == 12);
    CHECK(args.get_flag("--film"));
    CHECK(args.positionals() == std::vector<std::string>{"img1.png", "img2.png"});
}

TEST_CASE("cli: bad input gives an error naming the option") {
    Argv missing({"x"});
    Args a1 = make(missing);
    CHECK_THROWS_WITH_AS(a1.parse(), doctest::Contains("--out"), Error);
    Argv unknown({"x", "--out", "d", "--bogus"});
    Args a2 = make(unknown);
    CHECK_THROWS_WITH_AS(a2.parse(), doctest::Contains("--bogus"), Error);
    Argv badint({"x", "--out", "d", "--seed", "12x"});
    Args a3 = make(badint);
    a3.parse();
    CHECK_THROWS_WITH_AS(a3.get_int("--seed", 0, 100), doctest::Contains("integer"), Error);
    Argv novalue({"x", "--out"});
    Args a4 = make(novalue);
    CHECK_THROWS_AS(a4.parse(), Error);
}

TEST_CASE("cli: numbers out of their option's range, NaN and huge integers are errors naming the option") {
    for (const char* bad : {"-1", "101", "99999999999", "99999999999999999999"}) {
        Argv v({"x", "--out", "d", "--seed", bad});
        Args a = make(v);
        a.parse();
        CHECK_THROWS_WITH_AS(a.get_int("--seed", 0, 100), doctest::Contains("--seed"), Error);
    }
    for (const char* bad : {"nan", "inf", "-inf", "-0.5", "1e400"}) {
        Argv v({"x", "--out", "d", "--seed", bad});
        Args a = make(v);
        a.parse();
        CHECK_THROWS_WITH_AS(a.get_double("--seed", 0, 1e6), doctest::Contains("--seed"), Error);
    }
    Argv ok({"x", "--out", "d", "--seed", "0.25"});
    Args a = make(ok);
    a.parse();
    CHECK(a.get_double("--seed", 0, 1) == 0.25);
    // A parser's own error gets the option's name in front.
    CHECK_THROWS_WITH_AS(a.parsed("--out", [](const std::string& v) -> int { fail("unknown task '", v, "'"); }),
                         doctest::Contains("--out: unknown task 'd'"), Error);
}
