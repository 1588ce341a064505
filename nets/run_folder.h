// nets/run_folder.h — the rules that keep a training run's folder whole, whatever happens to
// the process or the disk:
//   - one writer at a time: an exclusive lock (flock) on DIR/.lock, held while the run lives; a
//     second `train` into the folder, or a `--resume` of a run still going, is refused;
//   - the log agrees with the checkpoint: opening cuts log.jsonl back to the checkpoint's step
//     (evaluations after it are redone and logged again; a line torn by a kill or a full disk is
//     dropped), and a fresh run starts an empty log;
//   - every log line is appended with checked writes and fsync: a full disk is an error, not a
//     silently torn file;
//   - temporary files of checkpoint writes that a kill interrupted are removed.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

namespace mcseg {

class RunFolder {
public:
    // Creates `dir` when fresh (refusing one that holds a checkpoint), takes the lock, removes
    // stale temporaries and cuts the log to `log_step` (0 for a fresh run: an empty log).
    // The lock lasts as long as the object (moves carry it along).
    RunFolder(std::string dir, bool fresh, int64_t log_step);

    // One line of log.jsonl (no newline in `json_line`), on disk when this returns.
    void append_log(const std::string& json_line) const;

    const std::string& dir() const { return dir_; }
    std::string checkpoint_path() const { return checkpoint_of(dir_); }
    // The checkpoint of the run folder `dir`: weights, running stats, Adam state, step, configs.
    static std::string checkpoint_of(const std::string& dir);
    std::string best_path() const;        // the weights of the best validation loss
    std::string log_path() const;         // log.jsonl: one JSON object per evaluation

private:
    // An open file descriptor holding the flock; closing it (also when the constructor throws
    // after taking the lock) releases the lock.
    struct LockFd {
        int fd = -1;
        LockFd() = default;
        LockFd(LockFd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
        LockFd& operator=(LockFd&&) = delete;
        ~LockFd();
    };

    std::string path(const std::string& file) const;  // dir/file
    void lock();
    void remove_stale_temporaries() const;
    void cut_log(int64_t step) const;

    std::string dir_;
    LockFd lock_;
};

}  // namespace mcseg
