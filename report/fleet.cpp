#include "report/fleet.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/stats.hpp"
#include "core/units.hpp"

namespace cxlprobe::report {

std::string tier_role(const std::string& tier) {
  if (tier.rfind("file:/dev/shm/cxlprobe-explain-", 0) == 0) return "stand-in";
  if (tier.rfind("dax:", 0) == 0) return tier.substr(0, tier.find('@'));
  return tier;
}

namespace {

// GPU k: the node's k-th GPU by PCI bus id (index in the recorded topology's GPU list order).
std::map<std::string, std::string> gpu_names(const document& doc) {
  std::vector<std::string> ids;
  for (const auto& g : doc.context.value("topology", json::object()).value("gpus", json::array()))
    ids.push_back(g.value("busid", ""));
  std::sort(ids.begin(), ids.end());
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < ids.size(); ++i)
    out[ids[i]] = fmt::format("GPU {}", i);
  return out;
}

std::optional<double> median_of(const result& r, const char* name) {
  if (const metric* m = r.find(name, "median"); m && m->value) return m->value;
  if (const metric* m = r.find(name, "value"); m && m->value) return m->value;
  return std::nullopt;
}

double median(const std::vector<double>& v) {
  return stats::summarize(v).median;
}

// The largest transfer of each (tier, dir, GPU) stands for the link; the CPU read at the most
// threads for the tier; staged KV restore per block size.
void read_results(const document& doc, const std::map<std::string, std::string>& gpu,
                  node_figures& n) {
  std::map<std::string, std::pair<double, double>> best;  // key -> (size or threads, value)
  const auto keep = [&](const std::string& key, double rank, double value) {
    auto& b = best[key];
    if (rank >= b.first) b = {rank, value};
  };
  for (const auto& r : doc.results) {
    const json& p = r.params;
    if (r.state != status::ok) continue;
    const auto v = median_of(r, "bandwidth");
    if (!v) continue;
    const std::string tier = tier_role(p.value("tier", ""));
    const std::string g = p.contains("gpu_busid") && p["gpu_busid"].is_string() &&
                                  gpu.count(p["gpu_busid"].get<std::string>())
                              ? gpu.at(p["gpu_busid"].get<std::string>())
                              : "";
    if (r.probe == "bw" && p.value("op", "") == "read" && !p.contains("cpu_node")) {
      keep("cpu read " + tier, p.value("threads", 0.0), *v);
    } else if (r.probe == "dma" && !g.empty() && p.value("pattern", "bulk") == "bulk") {
      keep(fmt::format("{} {} {}", p.value("dir", ""), tier, g), p.value("size", 0.0), *v);
      if (p.value("link_downtrained", false)) n.downtrained.push_back(g);
    } else if (r.probe == "dma" && !g.empty() && p.value("pattern", "") == "kv-restore" &&
               p.value("kernel", "") == "staged") {
      keep(fmt::format("kv restore {} {} blocks {}", tier,
                       units::format_bytes(p.value("block", std::uint64_t{0})), g),
           0, *v);
    }
  }
  for (const auto& [key, b] : best)
    n.values[key] = b.second;
}

void read_floors(const document& doc, const std::map<std::string, std::string>& gpu,
                 node_figures& n) {
  for (const auto& f : doc.analysis.value("floors", json::array())) {
    const std::string busid = f.value("gpu", "");
    const std::string g = gpu.count(busid) ? gpu.at(busid) : busid;
    if (f.contains("binding_bps") && f["binding_bps"].is_number())
      n.values[fmt::format("floor {} -> {}", tier_role(f.value("tier", "")), g)] =
          f["binding_bps"].get<double>();
    if (f.value("link_downtrained", false)) n.downtrained.push_back(g);
  }
}

}  // namespace

node_figures read_node(const document& doc, const std::string& file) {
  node_figures n;
  n.file = file;
  n.node = doc.meta.host.empty() ? std::filesystem::path(file).stem().string() : doc.meta.host;
  n.fingerprint =
      doc.context.value("machine", json::object()).value("topology_fingerprint", std::string());
  const auto gpu = gpu_names(doc);
  read_results(doc, gpu, n);
  read_floors(doc, gpu, n);
  std::sort(n.downtrained.begin(), n.downtrained.end());
  n.downtrained.erase(std::unique(n.downtrained.begin(), n.downtrained.end()), n.downtrained.end());
  return n;
}

std::size_t name_by_file_where_hosts_repeat(std::vector<node_figures>& nodes) {
  std::map<std::string, std::size_t> count;
  for (const auto& n : nodes)
    ++count[n.node];
  std::size_t renamed = 0;
  for (auto& n : nodes) {
    if (count[n.node] < 2) continue;
    n.node = std::filesystem::path(n.file).stem().string();
    ++renamed;
  }
  return renamed;
}

fleet_analysis analyse_fleet(const std::vector<node_figures>& nodes, double threshold) {
  fleet_analysis a;
  std::map<std::string, std::vector<std::pair<std::string, double>>> by_name;
  std::map<std::string, std::size_t> prints;
  for (const auto& n : nodes) {
    a.nodes.push_back(n.node);
    for (const auto& [k, v] : n.values)
      by_name[k].emplace_back(n.node, v);
    for (const auto& l : n.downtrained)
      a.downtrained.emplace_back(n.node, l + " link below its capability");
    if (!n.fingerprint.empty()) ++prints[n.fingerprint];
  }
  for (const auto& [name, vals] : by_name) {
    std::vector<double> v;
    for (const auto& [node, x] : vals)
      v.push_back(x);
    fleet_measurement m{name,
                        v.size(),
                        median(v),
                        *std::min_element(v.begin(), v.end()),
                        *std::max_element(v.begin(), v.end()),
                        0};
    std::vector<double> dev;
    for (double x : v)
      dev.push_back(std::fabs(x - m.median));
    m.mad = median(dev);
    a.measurements.push_back(m);
    if (v.size() < 3 || m.median <= 0) continue;  // no majority to differ from
    for (const auto& [node, x] : vals) {
      const double below = (m.median - x) / m.median;
      const double z = m.mad > 0 ? (x - m.median) / (1.4826 * m.mad) : 0;
      if (below > threshold || (z < -3.5 && below > threshold / 2))
        a.outliers.push_back({node, name, x, m.median, below, z});
    }
  }
  std::size_t most = 0;
  for (const auto& [fp, count] : prints) {
    if (count > most) {
      most = count;
      a.majority_fingerprint = fp;
    }
  }
  for (const auto& n : nodes) {
    if (!n.fingerprint.empty() && n.fingerprint != a.majority_fingerprint && nodes.size() >= 3)
      a.topology_differs.push_back(n.node);
  }
  return a;
}

json to_json(const fleet_analysis& a, const std::vector<node_figures>& nodes) {
  json ms = json::array();
  for (const auto& m : a.measurements) {
    json per_node = json::object();
    for (const auto& n : nodes) {
      if (const auto it = n.values.find(m.name); it != n.values.end())
        per_node[n.node] = it->second;
    }
    ms.push_back({{"name", m.name},
                  {"unit", "B/s"},
                  {"nodes", m.nodes},
                  {"median", m.median},
                  {"min", m.min},
                  {"max", m.max},
                  {"mad", m.mad},
                  {"values", per_node}});
  }
  json outs = json::array();
  for (const auto& o : a.outliers) {
    outs.push_back({{"node", o.node},
                    {"measurement", o.measurement},
                    {"value", o.value},
                    {"median", o.median},
                    {"below_median", o.below},
                    {"robust_z", o.robust_z}});
  }
  json down = json::array();
  for (const auto& [node, what] : a.downtrained)
    down.push_back({{"node", node}, {"link", what}});
  return {{"nodes", a.nodes},
          {"measurements", ms},
          {"outliers", outs},
          {"downtrained", down},
          {"majority_fingerprint", a.majority_fingerprint},
          {"topology_differs", a.topology_differs},
          {"uniform", a.uniform()}};
}

std::string fleet_csv(const json& fleet) {
  const auto quote = [](const std::string& s) { return "\"" + s + "\""; };
  std::string out = "node";
  for (const auto& m : fleet.value("measurements", json::array()))
    out += "," + quote(m.value("name", "") + " [GB/s]");
  out += "\n";
  for (const auto& node : fleet.value("nodes", json::array())) {
    out += quote(node.get<std::string>());
    for (const auto& m : fleet.value("measurements", json::array())) {
      const json& v = m.value("values", json::object());
      out += v.contains(node.get<std::string>())
                 ? fmt::format(",{:.4f}", v[node.get<std::string>()].get<double>() / 1e9)
                 : ",";
    }
    out += "\n";
  }
  return out;
}

std::vector<std::vector<std::string>> fleet_rows(const json& fleet) {
  const json ms = fleet.value("measurements", json::array());
  std::map<std::pair<std::string, std::string>, double> below;  // (node, measurement) -> share
  for (const auto& o : fleet.value("outliers", json::array()))
    below[{o.value("node", ""), o.value("measurement", "")}] = o.value("below_median", 0.0);
  std::vector<std::vector<std::string>> rows{{"node"}};
  for (const auto& m : ms)
    rows[0].push_back(m.value("name", "") + " [GB/s]");
  for (const auto& n : fleet.value("nodes", json::array())) {
    const std::string node = n.get<std::string>();
    std::vector<std::string> row{node};
    for (const auto& m : ms) {
      const json& v = m.value("values", json::object());
      std::string cell =
          v.contains(node) ? fmt::format("{:.2f}", v[node].get<double>() / 1e9) : "-";
      if (const auto it = below.find({node, m.value("name", "")}); it != below.end())
        cell += fmt::format(" (-{:.0f}%)", it->second * 100);
      row.push_back(std::move(cell));
    }
    rows.push_back(std::move(row));
  }
  std::vector<std::string> median{"median"};
  for (const auto& m : ms)
    median.push_back(fmt::format("{:.2f}", m.value("median", 0.0) / 1e9));
  rows.push_back(std::move(median));
  return rows;
}

std::vector<std::string> fleet_findings(const json& fleet) {
  std::vector<std::string> out;
  for (const auto& o : fleet.value("outliers", json::array()))
    out.push_back(
        fmt::format("{}: {} {:.2f} GB/s, {:.0f}% below the fleet's median {:.2f} GB/s "
                    "(robust z {:.1f})",
                    o.value("node", ""), o.value("measurement", ""), o.value("value", 0.0) / 1e9,
                    o.value("below_median", 0.0) * 100, o.value("median", 0.0) / 1e9,
                    o.value("robust_z", 0.0)));
  for (const auto& d : fleet.value("downtrained", json::array()))
    out.push_back(fmt::format("{}: {}", d.value("node", ""), d.value("link", "")));
  for (const auto& n : fleet.value("topology_differs", json::array()))
    out.push_back(fmt::format("{}: topology differs from the majority's", n.get<std::string>()));
  for (const auto& f : fleet.value("failed", json::array()))
    out.push_back(fmt::format("{}: failed ({})", f.value("node", ""), f.value("reason", "")));
  return out;
}

}  // namespace cxlprobe::report
