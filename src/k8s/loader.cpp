// Loader: yaml-cpp's event parser -> Node trees, with limits on size, depth and alias expansion.
#include "kubetwin/k8s/loader.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <unordered_map>

namespace kubetwin::k8s {

namespace fs = std::filesystem;

namespace {

std::string mib(std::size_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / double(1 << 20));
  return buf;
}

// Builds Nodes from parser events. Aliases are expanded by copying the anchored node, after
// checking that the copy keeps the file under the node budget.
class TreeBuilder : public YAML::EventHandler {
 public:
  // `source` is the UTF-8 text yaml-cpp parses (empty when it decodes UTF-16/32 itself): scalars
  // are looked up in it by their mark to see how they were written.
  TreeBuilder(std::shared_ptr<const std::string> path, const LoadLimits& limits,
              std::string_view source)
      : path_(std::move(path)), limits_(limits), source_(source) {}

  std::vector<Node>& documents() { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 answers a document that starts with a token no node can start with (a ','
    // outside a flow collection) with a null document that consumes nothing, every time it is
    // asked for the next one: without this check the loader loops forever (fuzz crash
    // tests/fuzz/crashes/yaml/loop-stray-comma).
    if (mark.pos == last_document_start_)
      throw InputError(loc(mark), "invalid YAML: did not find expected node content",
                       "a ',' belongs inside [...] or {...}; quote it or remove it");
    last_document_start_ = mark.pos;
    stack_.clear();
    have_root_ = false;
    root_ = Node();
  }
  void OnDocumentEnd() override {
    if (have_root_ && !root_.is_null()) documents_.push_back(std::move(root_));
    root_ = Node();
    have_root_ = false;
  }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Node n;
    n.set_location(loc(mark));
    count(mark, 1);
    remember(anchor, n, 1);
    attach(std::move(n), mark);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end())
      throw InputError(loc(mark), "alias to an unknown anchor",
                       "define the anchor (&name) before using *name");
    count(mark, it->second.second);
    alias_nodes_ += it->second.second;
    if (alias_nodes_ > limits_.max_alias_nodes)
      throw InputError(loc(mark),
                       "aliases expand to more than " + std::to_string(limits_.max_alias_nodes) +
                           " nodes (the alias expansion limit)",
                       "YAML aliases (*name) that repeat large anchors multiply the document (an "
                       "alias bomb); write the values out instead");
    attach(it->second.first, mark);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    // yaml-cpp tags quoted and block scalars "!", plain ones "?".
    bool quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
    Node n = Node::scalar(fold_line_separators(value, mark), quoted, loc(mark));
    count(mark, 1);
    remember(anchor, n, 1);
    attach(std::move(n), mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(Node::sequence(loc(mark)), mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(Node::mapping(loc(mark)), mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    Node node;
    YAML::anchor_t anchor;
    std::size_t nodes_at_start;
    bool have_key = false;
    std::string key;
    SourceLocation key_where;
  };

  // go-yaml, and so kubectl, reads YAML 1.1, where U+2028 and U+2029 are line breaks: in a
  // single-quoted scalar the break is kept and the next line's indentation dropped, in a block
  // scalar the indentation of the block is dropped. yaml-cpp (YAML 1.2) keeps them as content,
  // indentation included, so kubectl's own output ('a<U+2028>    b', which the emitter writes too)
  // would read back with four spaces more (found by tests/fuzz yaml). Double-quoted and plain
  // scalars are left as yaml-cpp reads them: neither kubectl nor the emitter writes a raw
  // separator there.
  std::string fold_line_separators(const std::string& value, const YAML::Mark& mark) const {
    auto is_separator = [](std::string_view s, std::size_t i) {
      return s.compare(i, 2, "\xE2\x80") == 0 && i + 2 < s.size() &&
             (s[i + 2] == '\xA8' || s[i + 2] == '\xA9');
    };
    if (value.find("\xE2\x80\xA8") == std::string::npos &&
        value.find("\xE2\x80\xA9") == std::string::npos)
      return value;
    // The mark is at the node's properties when it has an anchor or a tag.
    std::size_t at = mark.pos < 0 ? source_.size() : std::size_t(mark.pos);
    while (at < source_.size() && (source_[at] == '&' || source_[at] == '!')) {
      at = source_.find_first_of(" \t\n", at);
      if (at == std::string_view::npos) return value;
      at = source_.find_first_not_of(" \t", at);
      if (at == std::string_view::npos) return value;
    }
    if (at >= source_.size()) return value;
    const char style = source_[at];
    std::size_t drop = std::string::npos;  // spaces to drop after a separator
    if (style == '|' || style == '>') {
      // The block's indentation: that of its first non-empty line.
      std::size_t line = source_.find('\n', at);
      while (line != std::string_view::npos) {
        std::size_t first = source_.find_first_not_of(' ', line + 1);
        if (first == std::string_view::npos) break;
        if (source_[first] != '\n') {
          drop = first - (line + 1);
          break;
        }
        line = first;
      }
      if (drop == std::string::npos) return value;
    } else if (style != '\'') {
      return value;
    }
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size();) {
      if (!is_separator(value, i)) {
        out += value[i++];
        continue;
      }
      out.append(value, i, 3);
      i += 3;
      for (std::size_t n = 0;
           i < value.size() && n < drop && (value[i] == ' ' || (style == '\'' && value[i] == '\t'));
           ++n)
        ++i;
    }
    return out;
  }

  SourceLocation loc(const YAML::Mark& mark) const {
    return SourceLocation{path_, mark.line + 1, mark.column + 1};
  }

  void count(const YAML::Mark&, std::size_t n) { nodes_ += n; }

  void remember(YAML::anchor_t anchor, const Node& n, std::size_t size) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = {n, size};
  }

  void open(Node n, const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (int(stack_.size()) >= limits_.max_depth)
      throw InputError(loc(mark),
                       "nesting deeper than " + std::to_string(limits_.max_depth) +
                           " levels (the nesting depth limit)",
                       "no Kubernetes object nests this deep; check the file is what you meant");
    count(mark, 1);
    stack_.push_back(Frame{std::move(n), anchor, nodes_ - 1});
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    remember(f.anchor, f.node, nodes_ - f.nodes_at_start);
    YAML::Mark mark;
    mark.line = f.node.location().line - 1;
    mark.column = f.node.location().column - 1;
    attach(std::move(f.node), mark);
  }

  void attach(Node n, const YAML::Mark& mark) {
    if (stack_.empty()) {
      root_ = std::move(n);
      have_root_ = true;
      return;
    }
    Frame& top = stack_.back();
    if (top.node.is_sequence()) {
      top.node.push_back(std::move(n));
      return;
    }
    if (!top.have_key) {
      if (n.is_null()) {
        top.key.clear();
      } else if (n.is_scalar()) {
        top.key = n.text();
      } else {
        throw InputError(loc(mark), "a mapping key must be a scalar, found " + describe_node(n),
                         "use a plain string as the key");
      }
      if (top.node.get(top.key))
        throw InputError(loc(mark), "mapping key \"" + top.key + "\" already defined",
                         "remove the duplicate key");
      top.key_where = loc(mark);
      top.have_key = true;
      return;
    }
    top.node.fields().emplace_back(std::move(top.key), std::move(n));
    top.key.clear();
    top.have_key = false;
  }

  std::shared_ptr<const std::string> path_;
  const LoadLimits& limits_;
  std::string_view source_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, std::pair<Node, std::size_t>> anchors_;
  std::vector<Node> documents_;
  int last_document_start_ = -1;  // YAML::Mark::pos of the last document start
  Node root_;
  bool have_root_ = false;
  std::size_t nodes_ = 0;        // all nodes, aliases counted expanded (sizes of anchors)
  std::size_t alias_nodes_ = 0;  // nodes copied by aliases
};

const Node* require_string(const Node& doc, std::string_view key, const std::string& what,
                           const std::string& hint) {
  const Node* n = doc.get(key);
  if (!n || n->is_null() || (n->is_scalar() && n->text().empty()))
    throw InputError(doc.location(), "missing " + what, hint);
  if (!n->is_scalar())
    throw InputError(n->location(), what + " must be a string, found " + describe_node(*n), hint);
  return n;
}

}  // namespace

std::string describe_node(const Node& n) {
  switch (n.kind()) {
    case Node::Kind::kNull:
      return "null";
    case Node::Kind::kSequence:
      return "a sequence";
    case Node::Kind::kMapping:
      return "a mapping";
    case Node::Kind::kScalar:
      break;
  }
  switch (n.scalar_type()) {
    case Node::ScalarType::kInt:
      return "an integer " + n.text();
    case Node::ScalarType::kFloat:
      return "a number " + n.text();
    case Node::ScalarType::kBool:
      return "a boolean " + n.text();
    case Node::ScalarType::kNull:
      return "null";
    case Node::ScalarType::kString:
      break;
  }
  return "the string \"" + n.text() + "\"";
}

std::string read_file(const std::string& path, const LoadLimits& limits) {
  SourceLocation where{std::make_shared<const std::string>(path), 0, 0};
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    throw InputError(where, "no such file",
                     "check the path (it is relative to the working directory)");
  if (fs::is_directory(status))
    throw InputError(where, "is a directory, expected a file", "name a file inside it");
  if (!fs::is_regular_file(status))
    throw InputError(where, "is not a regular file (a device, pipe or socket)",
                     "save the manifests to a file first (or pass `-` where stdin is accepted)");
  auto size = fs::file_size(path, ec);
  if (!ec && size > limits.max_file_bytes)
    throw InputError(where,
                     "file is " + mib(size) + ", above the " + mib(limits.max_file_bytes) +
                         " limit for one input file",
                     "split the manifests into several files");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(where, "cannot open file", "check its permissions");
  std::string text;
  text.resize(std::size_t(size));
  in.read(text.data(), std::streamsize(text.size()));
  text.resize(std::size_t(in.gcount()));
  // A file growing while read (a pipe, /dev/zero...) is cut at the limit and refused.
  if (in.peek() != std::char_traits<char>::eof())
    throw InputError(
        where, "file is above the " + mib(limits.max_file_bytes) + " limit for one input file",
        "split the manifests into several files");
  return text;
}

namespace {

// The line and column (1-based, columns in bytes) of the first byte that does not belong to a
// well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
std::optional<std::pair<int, int>> first_invalid_utf8(std::string_view s) {
  int line = 1, col = 1;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      n = 1;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return std::make_pair(line, col);
    }
    if (i + n > s.size()) return std::make_pair(line, col);
    for (std::size_t k = 1; k < n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::make_pair(line, col);
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (n > 1 && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)))
      return std::make_pair(line, col);
    if (c == '\n') {
      ++line;
      col = 1;
    } else {
      col += static_cast<int>(n);
    }
    i += n;
  }
  return std::nullopt;
}

}  // namespace

std::vector<Node> parse_yaml_documents(std::string_view text, const std::string& path,
                                       const LoadLimits& limits) {
  auto shared_path = std::make_shared<const std::string>(path);
  if (text.size() > limits.max_file_bytes)
    throw InputError(SourceLocation{shared_path, 0, 0},
                     "input is " + mib(text.size()) + ", above the " + mib(limits.max_file_bytes) +
                         " limit for one input file",
                     "split the manifests into several files");
  // YAML is Unicode: like kubectl (go-yaml), refuse bytes that are not UTF-8 at their place.
  // yaml-cpp passes them through, and the emitter then reads them as parts of characters and
  // folds lines where it should not (found by tests/fuzz yaml). Inputs with a UTF-16/32 byte-order
  // mark are left to yaml-cpp, which decodes them.
  const bool utf8 = !(text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF") ||
                      text.starts_with(std::string_view("\0\0\xFE\xFF", 4)));
  if (utf8) {
    if (auto bad = first_invalid_utf8(text))
      throw InputError(SourceLocation{shared_path, bad->first, bad->second},
                       "invalid YAML: invalid UTF-8 byte sequence",
                       "save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)");
  }
  // yaml-cpp rejects tab indentation and a few other things with terse messages; keep them but
  // point at the place.
  std::istringstream in{std::string(text)};
  // yaml-cpp's marks count from after a UTF-8 byte-order mark.
  std::string_view source = utf8 ? text : std::string_view();
  if (source.starts_with("\xEF\xBB\xBF")) source.remove_prefix(3);
  TreeBuilder builder(shared_path, limits, source);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const YAML::DeepRecursion& e) {
    throw InputError(
        SourceLocation{shared_path, e.mark.line + 1, e.mark.column + 1},
        "nesting too deep for the YAML parser (depth " + std::to_string(e.depth()) + ")",
        "no Kubernetes object nests this deep; check the file is what you meant");
  } catch (const YAML::Exception& e) {
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    int col = e.mark.column >= 0 ? e.mark.column + 1 : 0;
    throw InputError(SourceLocation{shared_path, line, col}, "invalid YAML: " + e.msg,
                     "check indentation (spaces, not tabs), quoting and the ':' after each key");
  }
  return std::move(builder.documents());
}

void validate_resource(const Node& doc) {
  if (!doc.is_mapping())
    throw InputError(doc.location(),
                     "a Kubernetes object must be a mapping, found " + describe_node(doc),
                     "each YAML document needs apiVersion, kind and metadata");
  require_string(doc, "apiVersion", "apiVersion", "add e.g. `apiVersion: v1` (or apps/v1...)");
  require_string(doc, "kind", "kind", "add e.g. `kind: Deployment`");
  const Node* md = doc.get("metadata");
  if (!md || md->is_null())
    throw InputError(doc.location(), "missing metadata", "add `metadata:` with a `name:`");
  if (!md->is_mapping())
    throw InputError(md->location(), "metadata must be a mapping, found " + describe_node(*md),
                     "write `metadata:` followed by indented `name: ...`");
  const Node* name = md->get("name");
  if (!name || name->is_null() || (name->is_scalar() && name->text().empty())) {
    const Node* gen = md->get("generateName");
    if (!gen || !gen->is_scalar())
      throw InputError(md->location(), "missing metadata.name in object",
                       "every object needs a name: add `name:` under metadata");
  } else if (!name->is_scalar()) {
    throw InputError(name->location(),
                     "metadata.name must be a string, found " + describe_node(*name),
                     "write the name as a plain string");
  }
  if (const Node* ns = md->get("namespace"); ns && !ns->is_null() && !ns->is_scalar())
    throw InputError(ns->location(),
                     "metadata.namespace must be a string, found " + describe_node(*ns),
                     "write the namespace as a plain string");
  for (std::string_view key : {"labels", "annotations"}) {
    const Node* m = md->get(key);
    if (!m || m->is_null()) continue;
    if (!m->is_mapping())
      throw InputError(m->location(),
                       "metadata." + std::string(key) + " must be a mapping of strings, found " +
                           describe_node(*m),
                       "write one `key: value` per line");
    for (const auto& [k, v] : m->fields())
      if (!v.is_scalar() && !v.is_null())
        throw InputError(v.location(),
                         "metadata." + std::string(key) + "." + k + " must be a string, found " +
                             describe_node(v),
                         "quote the value");
  }
}

ResourceList parse_resources(std::string_view text, const std::string& path,
                             const LoadLimits& limits) {
  ResourceList out;
  for (Node& doc : parse_yaml_documents(text, path, limits)) {
    if (doc.is_mapping()) {
      std::string kind = doc.str("kind");
      const Node* items = doc.get("items");
      if (kind.ends_with("List") && items && items->is_sequence()) {
        for (const Node& item : items->items()) {
          validate_resource(item);
          out.push_back(Resource{item});
        }
        continue;
      }
    }
    validate_resource(doc);
    out.push_back(Resource{std::move(doc)});
  }
  return out;
}

ResourceList load_manifests(const std::string& path, const LoadLimits& limits) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json"))
        files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    ResourceList out;
    for (const std::string& f : files) {
      ResourceList part = parse_resources(read_file(f, limits), f, limits);
      std::move(part.begin(), part.end(), std::back_inserter(out));
    }
    return out;
  }
  return parse_resources(read_file(path, limits), path, limits);
}

}  // namespace kubetwin::k8s
