// Output folders and files as every command writes them (docs/outputs.md): work goes into DIR.partial and is
// published by a rename once complete; single files are written through a temporary file, fsync and a rename.
// Every output path is checked before any work, every output folder is locked (DIR.lock) for the life of the
// process that writes it, and every failed write is a WriteError (exit 2) naming the path and the OS's reason.
#pragma once

#include "deplsim/error.hpp"

#include <filesystem>
#include <string>

namespace deplsim {

/// A write that failed (a full disk, a read-only file system, no permission...): exit 2, with the path and the
/// OS's reason ("No space left on device").
class WriteError : public InputError {
public:
  using InputError::InputError;
};
/// Throws WriteError: "PATH: cannot DOING: strerror(err)".
[[noreturn]] void throw_write_error(const std::filesystem::path& path, const std::string& doing, int err);

/// The whole text of a file ("" when unreadable).
std::string read_text(const std::filesystem::path& p);
/// The last `n` non-empty lines of `text`, joined with " | ".
std::string last_lines(const std::string& text, int n);
/// Writes `text` to `path` through a temporary file in the same folder, fsync and a rename (then fsync of the
/// folder); any failure is a WriteError and leaves neither `path` changed nor the temporary file.
void write_atomically(const std::filesystem::path& path, const std::string& text);

/// `p` absolute and normalised, a trailing '/' dropped ("DIR/" is DIR). Checks nothing.
std::filesystem::path normal_output_path(const std::string& p);
/// What an output path names.
enum class OutputKind { folder, file };
/// The longest file name (bytes) an output may have: NAME_MAX less the longest suffix deplsim adds beside it
/// (".partial", ".lock", ".old-PID", ".tmp-PID").
inline constexpr std::size_t kMaxOutputName = 255 - 12;
/// Checks an output path given by `option` before any work is done and returns it absolute and normalised (a
/// trailing '/' dropped). InputError (exit 2, naming the option and the path) when it is empty, names no file
/// ('/', '.', ends in '/' for a file), has a component longer than NAME_MAX or a name longer than kMaxOutputName,
/// has a file where a folder is needed on the way, is an existing file where a folder is meant (or a folder or
/// a non-regular file where a file is meant), or when the nearest existing folder above it cannot be written
/// (a file is created there and removed: read-only file systems, permissions, /proc...). Creates nothing.
std::filesystem::path checked_output_path(const std::string& option, const std::string& value, OutputKind kind);

/// Locks the output folder `dir` (absolute, normalised) for this process's life: an advisory lock (flock) on
/// DIR.lock beside it, which records the holder's pid and command line. Another live process holding it is an
/// InputError (exit 2) naming it. The lock goes with the process; release_output_locks removes the files.
/// Locking a folder this process holds already does nothing. Creates the folders above `dir` as needed.
void lock_output_dir(const std::filesystem::path& dir);
/// Removes the lock files this process holds and releases them (at exit: main calls it).
void release_output_locks();

/// Checks the output folder `dir` (checked_output_path, option --out), locks it, and throws InputError when it
/// exists and `force` is false (before any work is done). Returns the folder, absolute and normalised.
std::filesystem::path check_output_dir(const std::string& dir, bool force);
/// Makes a finished `partial` folder the output `dir` (a rename: readers see all of it or none; an existing
/// `dir` is replaced only once the new one is complete). The files in `partial` must be written already (with
/// write_atomically: fsynced); the folder and its parent are fsynced. Failures are WriteErrors.
void publish_directory(const std::filesystem::path& partial, const std::filesystem::path& dir);
/// The working folder DIR.partial of a resumable command writing DIR (`run`, `sweep`, `reproduce`): DIR is
/// checked and locked (check_output_dir); with `force` a fresh one; with `resume` the interrupted one, or DIR
/// itself moved back to finish it; otherwise an existing DIR or DIR.partial is an InputError (`what` names the
/// work in the message). Returns DIR.partial (absolute).
std::filesystem::path resumable_work_dir(const std::string& out, bool force, bool resume, const std::string& what);

/// The DIR.partial of a command that cannot resume (compare, calibrate, coverage): made afresh, and removed with
/// everything in it unless publish() made it DIR — a failed command leaves nothing behind.
class PartialFolder {
public:
  explicit PartialFolder(const std::filesystem::path& dir);
  ~PartialFolder();
  PartialFolder(const PartialFolder&) = delete;
  PartialFolder& operator=(const PartialFolder&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return partial_; }
  void publish();

private:
  std::filesystem::path dir_, partial_;
  bool published_ = false;
};

/// stderr made safe to write when it cannot be (`2>/dev/full`, a closed pipe): messages that cannot be written
/// are dropped instead of failing the command (a failed write of a message must not change what a command
/// does). Called first thing by main.
void guard_stderr();
/// Flushes stdout and checks every write to it succeeded; otherwise prints why on stderr and returns false.
/// `failed_errno`: the reason of a failed write already seen (0 when none).
bool stdout_written(int failed_errno = 0);

} // namespace deplsim
