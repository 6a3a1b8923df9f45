#include "probes/process_workers.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <exception>

#include "core/check.hpp"
#include "core/error.hpp"

namespace cxlprobe::probes {

namespace {

struct child {
  pid_t pid = -1;
  int to_child = -1;    // parent writes "go"
  int from_child = -1;  // child writes 'R' when ready, then its answer
  bool ready = false;
  bool done = false;
  std::string answer;
};

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void child_main(std::size_t k, int in, int out,
                             const std::function<void(std::size_t)>& setup,
                             const std::function<std::string(std::size_t)>& work) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent's handlers only set its stop flag; a worker just ends.
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  int rc = 0;
  try {
    setup(k);
    write_all(out, "R");
    char go = 0;
    if (::read(in, &go, 1) != 1) ::_exit(3);
    write_all(out, "OK " + work(k));
  } catch (const std::exception& e) {
    write_all(out, std::string("ERR ") + e.what());
    rc = 1;
  }
  ::close(out);
  ::_exit(rc);
}

}  // namespace

std::vector<process_outcome> run_processes(std::size_t count,
                                           const std::function<void(std::size_t)>& setup,
                                           const std::function<std::string(std::size_t)>& work,
                                           std::chrono::seconds ready_timeout,
                                           std::chrono::seconds run_timeout,
                                           const std::atomic<bool>* stop) {
  std::vector<child> kids(count);
  auto stopped = [stop] { return stop && stop->load(std::memory_order_relaxed); };
  for (std::size_t k = 0; k < count; ++k) {
    int down[2], up[2];
    CXLP_CHECK_SYS(::pipe2(down, O_CLOEXEC));
    CXLP_CHECK_SYS(::pipe2(up, O_CLOEXEC));
    const pid_t pid = ::fork();
    if (pid < 0) throw system_error("fork (scale worker)", __FILE__, __LINE__, errno);
    if (pid == 0) {
      ::close(down[1]);
      ::close(up[0]);
      child_main(k, down[0], up[1], setup, work);
    }
    ::close(down[0]);
    ::close(up[1]);
    kids[k].pid = pid;
    kids[k].to_child = down[1];
    kids[k].from_child = up[0];
  }
  // Collect bytes until every child is ready (phase 0) or done (phase 1), or the deadline.
  auto pump = [&](bool want_ready, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      std::vector<pollfd> fds;
      std::vector<std::size_t> who;
      for (std::size_t k = 0; k < count; ++k) {
        auto& c = kids[k];
        const bool waiting = want_ready ? !c.ready && !c.done : !c.done;
        if (waiting) {
          fds.push_back({c.from_child, POLLIN, 0});
          who.push_back(k);
        }
      }
      if (fds.empty()) return;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || stopped()) return;
      // Short slices: a stop request is seen within one.
      const int slice = static_cast<int>(std::min<long long>(left.count(), 50));
      if (::poll(fds.data(), fds.size(), slice) <= 0) continue;
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto& c = kids[who[i]];
        char buf[4096];
        const ssize_t n = ::read(c.from_child, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;  // a signal: read again on the next pass
        if (n <= 0) {
          c.done = true;  // closed: finished or died
          continue;
        }
        c.answer.append(buf, static_cast<std::size_t>(n));
        if (!c.ready && !c.answer.empty() && c.answer[0] == 'R') {
          c.ready = true;
          c.answer.erase(0, 1);
        }
      }
    }
  };
  pump(true, ready_timeout);
  if (!stopped()) {
    for (auto& c : kids) {
      if (c.ready && !c.done) write_all(c.to_child, "G");  // all start together
    }
    pump(false, run_timeout);
  }
  std::vector<process_outcome> out(count);
  for (std::size_t k = 0; k < count; ++k) {
    auto& c = kids[k];
    auto& o = out[k];
    if (!c.done) {
      ::kill(c.pid, SIGKILL);
      o.problem = stopped() ? "stopped by a signal; killed"
                  : c.ready ? "did not finish in time; killed"
                            : "never became ready; killed";
    }
    int status = 0;
    while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
    ::close(c.to_child);
    ::close(c.from_child);
    if (!o.problem.empty()) continue;
    if (WIFSIGNALED(status)) {
      o.problem =
          fmt::format("died by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (c.answer.rfind("OK ", 0) == 0) {
      o.ok = true;
      o.output = c.answer.substr(3);
    } else if (c.answer.rfind("ERR ", 0) == 0) {
      o.problem = c.answer.substr(4);
    } else {
      o.problem = fmt::format("exited with status {} and no answer", WEXITSTATUS(status));
    }
  }
  return out;
}

}  // namespace cxlprobe::probes
