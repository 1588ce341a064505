// nets/run_folder.cpp — see run_folder.h.
#include "nets/run_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/error.h"

namespace mcseg {
namespace fs = std::filesystem;

RunFolder::RunFolder(std::string dir, bool fresh, int64_t log_step) : dir_(std::move(dir)) {
    if (fresh) {
        std::error_code ec;
        fs::create_directories(dir_, ec);
        if (ec) fail("cannot create output folder '", dir_, "': ", ec.message());
    } else if (!fs::is_directory(dir_)) {
        fail("'", dir_, "' is not a run folder");
    }
    lock();
    if (fresh && fs::exists(checkpoint_path()))
        fail("'", dir_, "' already holds a training run; continue it with --resume ", dir_, " or choose another --out");
    remove_stale_temporaries();
    cut_log(log_step);
}

RunFolder::LockFd::~LockFd() {
    if (fd >= 0) ::close(fd);
}

std::string RunFolder::path(const std::string& file) const { return (fs::path(dir_) / file).string(); }
std::string RunFolder::checkpoint_of(const std::string& dir) { return (fs::path(dir) / "checkpoint.safetensors").string(); }
std::string RunFolder::best_path() const { return path("best.safetensors"); }
std::string RunFolder::log_path() const { return path("log.jsonl"); }

void RunFolder::lock() {
    const std::string p = path(".lock");
    lock_.fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (lock_.fd < 0) fail("cannot open '", p, "': ", std::strerror(errno));
    if (::flock(lock_.fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        if (err == EWOULDBLOCK) fail("'", dir_, "' is in use by another mcseg train; wait for it to end");
        fail("cannot lock '", p, "': ", std::strerror(err));
    }
}

// engine/safetensors.cpp writes `.NAME.tmp-XXXXXX` and renames it; a kill between leaves it.
void RunFolder::remove_stale_temporaries() const {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
        const std::string name = e.path().filename().string();
        if (name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string::npos) fs::remove(e.path(), ec);
    }
}

// Keeps the whole lines whose step is at most `step`, in order; rewritten atomically.
void RunFolder::cut_log(int64_t step) const {
    const std::string log = log_path(), tmp = path(".log.jsonl.cut");
    std::string kept;
    {
        std::ifstream in(log);
        std::string line;
        while (std::getline(in, line) && !in.eof()) {  // a last line without '\n' is torn
            const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("step") && j["step"].is_number_integer() && j["step"].get<int64_t>() <= step)
                kept += line + "\n";
            else
                break;  // a torn line, or the evaluations after the checkpoint: nothing after counts
        }
    }
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << kept;
        out.flush();
        if (!out) fail("cannot write '", tmp, "'");
    }
    std::error_code ec;
    fs::rename(tmp, log, ec);
    if (ec) fail("cannot replace '", log, "': ", ec.message());
}

void RunFolder::append_log(const std::string& json_line) const {
    const std::string log = log_path(), text = json_line + "\n";
    const int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) fail("cannot open '", log, "': ", std::strerror(errno));
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            const int err = errno;
            // Cut the partial line back off, so that the log stays whole lines.
            const off_t end = ::lseek(fd, 0, SEEK_END);
            const bool cut = end >= 0 && ::ftruncate(fd, end - off_t(done)) == 0;
            ::close(fd);
            fail("cannot append to '", log, "': ", std::strerror(err), cut ? "" : " (its last line is torn)");
        }
        done += size_t(w);
    }
    const bool synced = ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!synced) fail("cannot write '", log, "' to disk: ", std::strerror(err));
}

}  // namespace mcseg
