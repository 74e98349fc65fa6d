// Host names in configuration text, and every one of them in a model's configuration.
#include "kubetwin/topology/hosts.hpp"

#include <algorithm>
#include <cctype>

#include "internal.hpp"

namespace kubetwin::topology {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_ipv4(std::string_view s) {
  uint32_t v = 0;
  return internal::parse_ipv4(s, v);
}

// RFC 1123 names, with at least one letter (so "10" or "1.5" are not hosts).
bool is_dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  bool letter = false;
  std::size_t label = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (label == 0 || s[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    bool alpha = std::isalpha(static_cast<unsigned char>(c)) != 0;
    if (!alpha && !std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      return false;
    if (label == 0 && c == '-') return false;
    letter |= alpha;
    if (++label > 63) return false;
  }
  return letter && s.back() != '-' && s.back() != '.';
}

bool valid_host(std::string_view h) {
  return is_ipv4(h) || is_dns_name(h);
}

bool key_says_host(std::string_view key) {
  std::string k;
  for (char c : key)
    k += (c == '-' || c == '.') ? '_'
                                : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  while (!k.empty() && k.front() == '_') k.erase(0, 1);
  static const char* kSuffixes[] = {
      "HOST",    "HOSTNAME", "HOSTS", "SERVER", "SERVERS", "BROKER",    "BROKERS", "ADDR",
      "ADDRESS", "ENDPOINT", "URL",   "URI",    "DSN",     "BOOTSTRAP", "VOTERS",  "SERVICE_NAME"};
  for (const char* s : kSuffixes) {
    std::string suf = s;
    if (k == suf ||
        (k.size() > suf.size() && k.compare(k.size() - suf.size(), suf.size(), suf) == 0 &&
         k[k.size() - suf.size() - 1] == '_'))
      return true;
  }
  return false;
}

// Words that are settings, not names, even under a key that says host
// (KAFKA_CFG_NODE_ID_FROM_HOSTNAME: "true", USE_HOSTNAME: "no").
bool is_setting_word(std::string_view h) {
  static constexpr std::string_view kWords[] = {"true", "false", "yes",  "no",      "on",
                                                "off",  "none",  "null", "enabled", "disabled",
                                                "auto", "any",   "all",  "default"};
  return std::find(std::begin(kWords), std::end(kWords), h) != std::end(kWords);
}

bool in_cluster_name(std::string_view h) {
  auto ends = [&](std::string_view suf) {
    return h.size() > suf.size() && h.substr(h.size() - suf.size()) == suf;
  };
  return ends(".svc") || ends(".svc.cluster.local") || ends(".cluster.local") ||
         h.find(".svc.") != std::string_view::npos;
}

std::optional<int> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return std::nullopt;
  return v;
}

std::optional<int> scheme_port(std::string scheme) {
  scheme = lower(scheme);
  if (auto colon = scheme.rfind(':'); colon != std::string::npos) scheme = scheme.substr(colon + 1);
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "postgres" || scheme == "postgresql") return 5432;
  if (scheme == "mysql") return 3306;
  if (scheme == "redis") return 6379;
  if (scheme == "amqp") return 5672;
  if (scheme == "mongodb") return 27017;
  return std::nullopt;
}

void add(std::vector<HostMention>& out, std::string host, std::optional<int> port, HostForm form,
         std::string_view token, std::size_t offset) {
  if (!host.empty() && host.back() == '.') host.pop_back();
  host = lower(host);
  if (host.empty() || host == "0.0.0.0" || !valid_host(host)) return;
  HostMention m;
  m.host = host;
  m.port = port;
  m.form = form;
  m.token = std::string(token);
  m.offset = offset;
  m.is_ip = is_ipv4(host);
  m.is_loopback = host == "localhost" || host.rfind("127.", 0) == 0;
  out.push_back(std::move(m));
}

// One token: a URL, id@host:port, host:port or a bare name.
void scan_token(std::string_view token, std::size_t offset, std::string_view key,
                std::vector<HostMention>& out) {
  if (token.empty() || token.find("$(") != std::string_view::npos) return;
  std::size_t scheme_end = token.find("://");
  std::size_t eq = token.find('=');
  if (eq != std::string_view::npos && (scheme_end == std::string_view::npos || eq < scheme_end)) {
    scan_token(token.substr(eq + 1), offset + eq + 1, token.substr(0, eq), out);
    return;
  }
  if (scheme_end != std::string_view::npos) {
    std::string_view rest = token.substr(scheme_end + 3);
    std::size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (auto at = authority.rfind('@'); at != std::string_view::npos)
      authority = authority.substr(at + 1);
    if (authority.empty() || authority.front() == '[') return;
    std::size_t colon = authority.rfind(':');
    std::optional<int> port;
    std::string_view host = authority;
    if (colon != std::string_view::npos) {
      port = parse_port(authority.substr(colon + 1));
      host = authority.substr(0, colon);
    } else {
      port = scheme_port(std::string(token.substr(0, scheme_end)));
    }
    add(out, std::string(host), port, HostForm::kUrl, token, offset);
    return;
  }
  std::string_view t = token;
  if (auto slash = t.find('/'); slash != std::string_view::npos) t = t.substr(0, slash);
  std::size_t colon = t.rfind(':');
  if (colon != std::string_view::npos) {
    auto port = parse_port(t.substr(colon + 1));
    if (!port) return;
    std::string_view host = t.substr(0, colon);
    HostForm form = HostForm::kHostPort;
    if (auto at = host.find('@'); at != std::string_view::npos) {
      std::string_view id = host.substr(0, at);
      if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
          }))
        return;
      host = host.substr(at + 1);
      form = HostForm::kQuorumVoter;
    }
    add(out, std::string(host), port, form, token, offset);
    return;
  }
  std::string host = lower(t);
  if (!host.empty() && host.back() == '.') host.pop_back();
  if (!valid_host(host) || is_setting_word(host)) return;
  if (key_says_host(key) || in_cluster_name(host))
    add(out, host, std::nullopt, HostForm::kBareName, token, offset);
}

}  // namespace

const char* to_string(HostForm form) {
  switch (form) {
    case HostForm::kUrl:
      return "url";
    case HostForm::kHostPort:
      return "host:port";
    case HostForm::kQuorumVoter:
      return "quorum voter";
    case HostForm::kBareName:
      return "name";
  }
  return "?";
}

std::vector<HostMention> extract_hosts(std::string_view text, std::string_view key) {
  std::vector<HostMention> out;
  static constexpr std::string_view kSeparators = " \t\r\n,;\"'`[]{}<>|";
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = text.find_first_not_of(kSeparators, i);
    if (start == std::string_view::npos) break;
    std::size_t end = text.find_first_of(kSeparators, start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(start, end - start);
    // A `key: value` line of YAML or a `key value` pair: the key hints the next token.
    std::string_view line_key = key;
    if (token.size() > 1 && token.back() == ':') {
      i = end;
      std::size_t vstart = text.find_first_not_of(" \t", i);
      if (vstart != std::string_view::npos && text[vstart] != '\n') {
        std::size_t vend = text.find_first_of(kSeparators, vstart);
        if (vend == std::string_view::npos) vend = text.size();
        std::size_t before = out.size();
        scan_token(text.substr(vstart, vend - vstart), vstart, token.substr(0, token.size() - 1),
                   out);
        (void)before;
        i = vend;
      }
      continue;
    }
    scan_token(token, start, line_key, out);
    i = end;
  }
  return out;
}

std::vector<ConfigHost> config_hosts(const Model& model) {
  std::vector<ConfigHost> out;
  auto push = [&](const std::vector<HostMention>& ms, const std::string& ns, std::optional<Index> w,
                  std::optional<Index> pod, const std::string& container, const std::string& field,
                  const k8s::SourceLocation& where, std::string_view text) {
    for (const HostMention& m : ms) {
      ConfigHost h{m, ns, w, pod, container, field, where};
      // Block scalars: the content starts on the line after the indicator.
      if (text.find('\n') != std::string_view::npos && h.where.line > 0 &&
          m.offset <= text.size()) {
        auto newlines =
            std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(m.offset), '\n');
        h.where.line += static_cast<int>(newlines) + 1;
        h.where.column = 0;
      }
      out.push_back(std::move(h));
    }
  };
  for (Index w = 0; w < model.workloads.size(); ++w) {
    const Workload& wl = model.workloads[w];
    if (wl.meta.builtin || wl.pods.empty()) continue;
    Index p = wl.pods.front();
    const Pod& pod = model.pods[p];
    const std::string& ns = pod.meta.namespace_name;
    for (const Container& c : pod.containers) {
      if (c.injected) continue;
      for (const EnvVar& e : c.env)
        push(extract_hosts(e.value, e.name), ns, w, p, c.name, "env " + e.name, e.where, "");
      for (std::size_t i = 0; i < c.command.size(); ++i)
        push(extract_hosts(c.command[i]), ns, w, p, c.name, "command[" + std::to_string(i) + "]",
             c.where, "");
      for (std::size_t i = 0; i < c.args.size(); ++i) {
        // `--flag value`: the flag hints the next argument.
        std::string key = i > 0 && c.args[i - 1].rfind("-", 0) == 0 ? c.args[i - 1] : "";
        push(extract_hosts(c.args[i], key), ns, w, p, c.name, "args[" + std::to_string(i) + "]",
             c.where, "");
      }
    }
  }
  for (const ConfigMap& cm : model.config_maps) {
    if (cm.meta.builtin) continue;
    for (const auto& [key, value] : cm.data) {
      auto ms = extract_hosts(value, key);
      if (ms.empty()) continue;
      auto loc_it = cm.key_locations.find(key);
      const k8s::SourceLocation& where =
          loc_it != cm.key_locations.end() ? loc_it->second : cm.meta.where;
      const std::string field = "ConfigMap " + cm.meta.name + " key " + key;
      push(ms, cm.meta.namespace_name, std::nullopt, std::nullopt, "", field, where, value);
      for (Index w = 0; w < model.workloads.size(); ++w) {
        const Workload& wl = model.workloads[w];
        if (wl.pods.empty() || wl.meta.namespace_name != cm.meta.namespace_name) continue;
        const Pod& pod = model.pods[wl.pods.front()];
        bool mounts = std::any_of(pod.volumes.begin(), pod.volumes.end(), [&](const PodVolume& v) {
          return v.kind == "configMap" && v.source == cm.meta.name;
        });
        if (mounts)
          push(ms, cm.meta.namespace_name, w, wl.pods.front(), "", field + " (mounted)", where,
               value);
      }
    }
  }
  return out;
}

}  // namespace kubetwin::topology
