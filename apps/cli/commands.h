// apps/cli — the `mcseg` command line. This room owns the executable's entry point (main.cpp),
// the option parser (args.h), the table of subcommands (this file) and one cmd_*.cpp per
// subcommand. A cmd_*.cpp only reads its options, calls the rooms that do the work and prints
// what they return: no pipeline, training, scoring or report logic lives here. It may use every
// room of apps/ and the engine; nothing but bench/ and the tests uses it.
//
// apps/cli/commands.h — named subcommands, each registering itself from its own file with
//   static const RegisterCommand reg{{"synth", "make synthetic mammograms", run_synth}};
// The executable links the cli objects directly, so these registrations always run. The same
// table type holds the benchmarks of `mcseg bench` (bench/cmd_bench.cpp).
#pragma once
#include <map>
#include <string>
#include <vector>

namespace mcseg {

struct Command {
    std::string name;
    std::string summary;                // one line for the help listing
    int (*run)(int argc, char** argv);  // argv[0] is the command's name
};

class CommandTable {
public:
    // program: how the table is invoked ("mcseg", "mcseg bench"); intro: the help's first lines.
    CommandTable(std::string program, std::string intro) : program_(std::move(program)), intro_(std::move(intro)) {}
    void add(Command c) { table_[c.name] = std::move(c); }
    const std::map<std::string, Command>& all() const { return table_; }
    // Runs the command argv[1] with argv[1..] as its arguments. With no command, or --help, it
    // prints the listing and returns 2 or 0; an unknown name is an Error.
    int dispatch(int argc, char** argv) const;

private:
    std::string program_, intro_;
    std::map<std::string, Command> table_;
};

// The subcommands of `mcseg`.
CommandTable& commands();

struct RegisterCommand {
    explicit RegisterCommand(Command c) { commands().add(std::move(c)); }
};

// Runs subcommand words[0] with the other words as its arguments, as `mcseg WORDS...` would;
// returns its exit status (errors propagate as mcseg::Error; an unknown name is one).
int run_command(std::vector<std::string> words);

}  // namespace mcseg
