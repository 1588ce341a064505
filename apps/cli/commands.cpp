// apps/cli/commands.cpp — the subcommand table (see commands.h).
#include "apps/cli/commands.h"

#include <cstdio>
#include <cstring>

#include "engine/error.h"

namespace mcseg {

int CommandTable::dispatch(int argc, char** argv) const {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::printf("usage: %s <command> [options]   (%s <command> --help for details)\n\n%s\n\ncommands:\n",
                    program_.c_str(), program_.c_str(), intro_.c_str());
        for (const auto& [name, c] : table_) std::printf("  %-10s %s\n", name.c_str(), c.summary.c_str());
        return argc < 2 ? 2 : 0;
    }
    auto it = table_.find(argv[1]);
    if (it == table_.end()) fail("unknown command '", argv[1], "' (see ", program_, " --help)");
    return it->second.run(argc - 1, argv + 1);
}

CommandTable& commands() {
    static CommandTable table("mcseg", "Microcalcification detection and segmentation in mammograms with two CNNs.");
    return table;
}

int run_command(std::vector<std::string> words) {
    std::vector<char*> argv{const_cast<char*>("mcseg")};
    for (std::string& w : words) argv.push_back(w.data());
    return commands().dispatch(int(argv.size()), argv.data());
}

}  // namespace mcseg
