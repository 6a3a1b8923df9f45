#include "cli/plotting.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/check.hpp"
#include "core/error.hpp"

extern char** environ;

namespace cxlprobe::cli {

namespace {

struct run_output {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs argv, capturing stdout and stderr.
run_output run_capture(const std::vector<std::string>& args) {
  int out_pipe[2], err_pipe[2];
  CXLP_CHECK_SYS(::pipe(out_pipe));
  CXLP_CHECK_SYS(::pipe(err_pipe));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
  posix_spawn_file_actions_addclose(&fa, err_pipe[0]);
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  run_output r;
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return r;
  }
  auto drain = [](int fd) {
    std::string s;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
      s.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return s;
  };
  r.out = drain(out_pipe[0]);
  r.err = drain(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string find_python() {
  std::vector<std::string> candidates;
  if (const char* p = std::getenv("CXLPROBE_PYTHON"); p && *p) candidates.push_back(p);
  candidates.push_back("python3");
  candidates.push_back("/usr/bin/python3");
  for (const auto& py : candidates) {
    if (run_capture({py, "-c", "import matplotlib"}).status == 0) return py;
  }
  throw usage_error(
      "plotting needs Python with matplotlib and none was found (tried $CXLPROBE_PYTHON, python3, "
      "/usr/bin/python3): install the Debian package python3-matplotlib (apt-get install "
      "python3-matplotlib) or point CXLPROBE_PYTHON at a Python that has it");
}

std::string find_script() {
  namespace fs = std::filesystem;
  for (const fs::path& p :
       {fs::path(CXLPROBE_PLOTS_DIR) / "cxlprobe_plot.py",
        fs::read_symlink("/proc/self/exe").parent_path() / "../share/cxlprobe/cxlprobe_plot.py"}) {
    std::error_code ec;
    if (fs::exists(p, ec)) return p.string();
  }
  throw error("the plot script cxlprobe_plot.py was not found (looked in " CXLPROBE_PLOTS_DIR ")");
}

}  // namespace

std::vector<std::string> make_plots(const std::string& result_file, const std::string& out,
                                    const std::string& kind) {
  const auto ext = std::filesystem::path(out).extension().string();
  if (ext != ".png" && ext != ".svg" && ext != ".pdf") {
    throw usage_error(fmt::format("-o '{}': give a .png, .svg or .pdf file name", out));
  }
  const auto parent = std::filesystem::path(out).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    throw usage_error(fmt::format("-o '{}': folder '{}' does not exist", out, parent.string()));
  }
  try {
    (void)check_output_target(out);  // never into a device a symlink points at
  } catch (const usage_error& e) {
    throw usage_error(fmt::format("-o: {}", e.what()));
  }
  const std::string py = find_python();
  const run_output r = run_capture({py, find_script(), result_file, out, "--kind", kind});
  if (r.status != 0) {
    std::string why = r.err.empty() ? r.out : r.err;
    while (!why.empty() && why.back() == '\n')
      why.pop_back();
    throw usage_error(fmt::format("plot of '{}' failed: {}", result_file, why));
  }
  std::vector<std::string> files;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) files.push_back(line);
  }
  return files;
}

}  // namespace cxlprobe::cli
