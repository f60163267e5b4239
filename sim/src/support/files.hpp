// Output folders and files as every command writes them (docs/outputs.md): work goes into DIR.partial and is
// published by a rename once complete; single files are written through a temporary file and a rename.
#pragma once

#include <filesystem>
#include <string>

namespace deplsim {

/// The whole text of a file ("" when unreadable).
std::string read_text(const std::filesystem::path& p);
/// The last `n` non-empty lines of `text`, joined with " | ".
std::string last_lines(const std::string& text, int n);
/// Writes `text` to `path` through a temporary file in the same folder and a rename.
void write_atomically(const std::filesystem::path& path, const std::string& text);
/// Throws InputError when `dir` exists and `force` is false (checked before any work is done).
void check_output_dir(const std::filesystem::path& dir, bool force);
/// Makes a finished `partial` folder the output `dir` (a rename: readers see all of it or none; an existing
/// `dir` is replaced only once the new one is complete).
void publish_directory(const std::filesystem::path& partial, const std::filesystem::path& dir);
/// The working folder DIR.partial of a resumable command writing DIR (`sweep`, `reproduce`): with `force` a
/// fresh one; with `resume` the interrupted one, or DIR itself moved back to finish it; otherwise an existing
/// DIR or DIR.partial is an InputError (`what` names the work in the message). Returns DIR.partial (absolute).
std::filesystem::path resumable_work_dir(const std::string& out, bool force, bool resume, const std::string& what);

} // namespace deplsim
