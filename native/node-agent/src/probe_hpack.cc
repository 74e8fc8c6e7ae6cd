// HPACK decoding and the literal encoding. See probe_hpack.h; tables from RFC 7541 Appendices A and B.
#include "probe_hpack.h"

#include <array>

namespace skiff {

namespace {

// RFC 7541 Appendix A: the static table (index 1..61).
constexpr std::array<std::pair<const char*, const char*>, 61> kStaticTable = {{
    {":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"}, {":path", "/index.html"},
    {":scheme", "http"}, {":scheme", "https"}, {":status", "200"}, {":status", "204"}, {":status", "206"},
    {":status", "304"}, {":status", "400"}, {":status", "404"}, {":status", "500"}, {"accept-charset", ""},
    {"accept-encoding", "gzip, deflate"}, {"accept-language", ""}, {"accept-ranges", ""}, {"accept", ""},
    {"access-control-allow-origin", ""}, {"age", ""}, {"allow", ""}, {"authorization", ""}, {"cache-control", ""},
    {"content-disposition", ""}, {"content-encoding", ""}, {"content-language", ""}, {"content-length", ""},
    {"content-location", ""}, {"content-range", ""}, {"content-type", ""}, {"cookie", ""}, {"date", ""},
    {"etag", ""}, {"expect", ""}, {"expires", ""}, {"from", ""}, {"host", ""}, {"if-match", ""},
    {"if-modified-since", ""}, {"if-none-match", ""}, {"if-range", ""}, {"if-unmodified-since", ""},
    {"last-modified", ""}, {"link", ""}, {"location", ""}, {"max-forwards", ""}, {"proxy-authenticate", ""},
    {"proxy-authorization", ""}, {"range", ""}, {"referer", ""}, {"refresh", ""}, {"retry-after", ""},
    {"server", ""}, {"set-cookie", ""}, {"strict-transport-security", ""}, {"transfer-encoding", ""},
    {"user-agent", ""}, {"vary", ""}, {"via", ""}, {"www-authenticate", ""},
}};

struct HuffmanCode {
  uint32_t bits;
  uint8_t length;
};

// RFC 7541 Appendix B: the code of every symbol 0..255 and EOS (256), right-aligned.
constexpr std::array<HuffmanCode, 257> kHuffmanCodes = {{
    {0x1ff8, 13}, {0x7fffd8, 23}, {0xfffffe2, 28}, {0xfffffe3, 28}, {0xfffffe4, 28}, {0xfffffe5, 28}, {0xfffffe6, 28}, {0xfffffe7, 28},
    {0xfffffe8, 28}, {0xffffea, 24}, {0x3ffffffc, 30}, {0xfffffe9, 28}, {0xfffffea, 28}, {0x3ffffffd, 30}, {0xfffffeb, 28}, {0xfffffec, 28},
    {0xfffffed, 28}, {0xfffffee, 28}, {0xfffffef, 28}, {0xffffff0, 28}, {0xffffff1, 28}, {0xffffff2, 28}, {0x3ffffffe, 30}, {0xffffff3, 28},
    {0xffffff4, 28}, {0xffffff5, 28}, {0xffffff6, 28}, {0xffffff7, 28}, {0xffffff8, 28}, {0xffffff9, 28}, {0xffffffa, 28}, {0xffffffb, 28},
    {0x14, 6}, {0x3f8, 10}, {0x3f9, 10}, {0xffa, 12}, {0x1ff9, 13}, {0x15, 6}, {0xf8, 8}, {0x7fa, 11},
    {0x3fa, 10}, {0x3fb, 10}, {0xf9, 8}, {0x7fb, 11}, {0xfa, 8}, {0x16, 6}, {0x17, 6}, {0x18, 6},
    {0x0, 5}, {0x1, 5}, {0x2, 5}, {0x19, 6}, {0x1a, 6}, {0x1b, 6}, {0x1c, 6}, {0x1d, 6},
    {0x1e, 6}, {0x1f, 6}, {0x5c, 7}, {0xfb, 8}, {0x7ffc, 15}, {0x20, 6}, {0xffb, 12}, {0x3fc, 10},
    {0x1ffa, 13}, {0x21, 6}, {0x5d, 7}, {0x5e, 7}, {0x5f, 7}, {0x60, 7}, {0x61, 7}, {0x62, 7},
    {0x63, 7}, {0x64, 7}, {0x65, 7}, {0x66, 7}, {0x67, 7}, {0x68, 7}, {0x69, 7}, {0x6a, 7},
    {0x6b, 7}, {0x6c, 7}, {0x6d, 7}, {0x6e, 7}, {0x6f, 7}, {0x70, 7}, {0x71, 7}, {0x72, 7},
    {0xfc, 8}, {0x73, 7}, {0xfd, 8}, {0x1ffb, 13}, {0x7fff0, 19}, {0x1ffc, 13}, {0x3ffc, 14}, {0x22, 6},
    {0x7ffd, 15}, {0x3, 5}, {0x23, 6}, {0x4, 5}, {0x24, 6}, {0x5, 5}, {0x25, 6}, {0x26, 6},
    {0x27, 6}, {0x6, 5}, {0x74, 7}, {0x75, 7}, {0x28, 6}, {0x29, 6}, {0x2a, 6}, {0x7, 5},
    {0x2b, 6}, {0x76, 7}, {0x2c, 6}, {0x8, 5}, {0x9, 5}, {0x2d, 6}, {0x77, 7}, {0x78, 7},
    {0x79, 7}, {0x7a, 7}, {0x7b, 7}, {0x7ffe, 15}, {0x7fc, 11}, {0x3ffd, 14}, {0x1ffd, 13}, {0xffffffc, 28},
    {0xfffe6, 20}, {0x3fffd2, 22}, {0xfffe7, 20}, {0xfffe8, 20}, {0x3fffd3, 22}, {0x3fffd4, 22}, {0x3fffd5, 22}, {0x7fffd9, 23},
    {0x3fffd6, 22}, {0x7fffda, 23}, {0x7fffdb, 23}, {0x7fffdc, 23}, {0x7fffdd, 23}, {0x7fffde, 23}, {0xffffeb, 24}, {0x7fffdf, 23},
    {0xffffec, 24}, {0xffffed, 24}, {0x3fffd7, 22}, {0x7fffe0, 23}, {0xffffee, 24}, {0x7fffe1, 23}, {0x7fffe2, 23}, {0x7fffe3, 23},
    {0x7fffe4, 23}, {0x1fffdc, 21}, {0x3fffd8, 22}, {0x7fffe5, 23}, {0x3fffd9, 22}, {0x7fffe6, 23}, {0x7fffe7, 23}, {0xffffef, 24},
    {0x3fffda, 22}, {0x1fffdd, 21}, {0xfffe9, 20}, {0x3fffdb, 22}, {0x3fffdc, 22}, {0x7fffe8, 23}, {0x7fffe9, 23}, {0x1fffde, 21},
    {0x7fffea, 23}, {0x3fffdd, 22}, {0x3fffde, 22}, {0xfffff0, 24}, {0x1fffdf, 21}, {0x3fffdf, 22}, {0x7fffeb, 23}, {0x7fffec, 23},
    {0x1fffe0, 21}, {0x1fffe1, 21}, {0x3fffe0, 22}, {0x1fffe2, 21}, {0x7fffed, 23}, {0x3fffe1, 22}, {0x7fffee, 23}, {0x7fffef, 23},
    {0xfffea, 20}, {0x3fffe2, 22}, {0x3fffe3, 22}, {0x3fffe4, 22}, {0x7ffff0, 23}, {0x3fffe5, 22}, {0x3fffe6, 22}, {0x7ffff1, 23},
    {0x3ffffe0, 26}, {0x3ffffe1, 26}, {0xfffeb, 20}, {0x7fff1, 19}, {0x3fffe7, 22}, {0x7ffff2, 23}, {0x3fffe8, 22}, {0x1ffffec, 25},
    {0x3ffffe2, 26}, {0x3ffffe3, 26}, {0x3ffffe4, 26}, {0x7ffffde, 27}, {0x7ffffdf, 27}, {0x3ffffe5, 26}, {0xfffff1, 24}, {0x1ffffed, 25},
    {0x7fff2, 19}, {0x1fffe3, 21}, {0x3ffffe6, 26}, {0x7ffffe0, 27}, {0x7ffffe1, 27}, {0x3ffffe7, 26}, {0x7ffffe2, 27}, {0xfffff2, 24},
    {0x1fffe4, 21}, {0x1fffe5, 21}, {0x3ffffe8, 26}, {0x3ffffe9, 26}, {0xffffffd, 28}, {0x7ffffe3, 27}, {0x7ffffe4, 27}, {0x7ffffe5, 27},
    {0xfffec, 20}, {0xfffff3, 24}, {0xfffed, 20}, {0x1fffe6, 21}, {0x3fffe9, 22}, {0x1fffe7, 21}, {0x1fffe8, 21}, {0x7ffff3, 23},
    {0x3fffea, 22}, {0x3fffeb, 22}, {0x1ffffee, 25}, {0x1ffffef, 25}, {0xfffff4, 24}, {0xfffff5, 24}, {0x3ffffea, 26}, {0x7ffff4, 23},
    {0x3ffffeb, 26}, {0x7ffffe6, 27}, {0x3ffffec, 26}, {0x3ffffed, 26}, {0x7ffffe7, 27}, {0x7ffffe8, 27}, {0x7ffffe9, 27}, {0x7ffffea, 27},
    {0x7ffffeb, 27}, {0xffffffe, 28}, {0x7ffffec, 27}, {0x7ffffed, 27}, {0x7ffffee, 27}, {0x7ffffef, 27}, {0x7fffff0, 27}, {0x3ffffee, 26},
    {0x3fffffff, 30},
}};

constexpr int kEos = 256;

// The code as a binary tree: node 0 is the root; a leaf holds its symbol.
struct HuffmanTree {
  struct Node {
    int child[2] = {-1, -1};
    int symbol = -1;
  };
  std::vector<Node> nodes;
  HuffmanTree() {
    nodes.emplace_back();
    for (int sym = 0; sym <= kEos; ++sym) {
      const HuffmanCode code = kHuffmanCodes[static_cast<size_t>(sym)];
      int at = 0;
      for (int bit = code.length - 1; bit >= 0; --bit) {
        const int b = static_cast<int>((code.bits >> bit) & 1U);
        if (nodes[static_cast<size_t>(at)].child[b] < 0) {
          nodes[static_cast<size_t>(at)].child[b] = static_cast<int>(nodes.size());
          nodes.emplace_back();
        }
        at = nodes[static_cast<size_t>(at)].child[b];
      }
      nodes[static_cast<size_t>(at)].symbol = sym;
    }
  }
};

const HuffmanTree& Tree() {
  static const HuffmanTree tree;
  return tree;
}

// An HPACK integer with an N-bit prefix (RFC 7541 5.1) starting at data[*at].
bool ReadInteger(const uint8_t* data, size_t size, size_t* at, int prefix_bits, uint64_t* out) {
  if (*at >= size) return false;
  const uint64_t mask = (1U << prefix_bits) - 1;
  uint64_t value = data[(*at)++] & mask;
  if (value < mask) {
    *out = value;
    return true;
  }
  for (int shift = 0; shift <= 56; shift += 7) {
    if (*at >= size) return false;
    const uint8_t b = data[(*at)++];
    value += static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *out = value;
      return true;
    }
  }
  return false;
}

// A string literal (RFC 7541 5.2): Huffman flag, 7-bit prefix length, octets.
bool ReadString(const uint8_t* data, size_t size, size_t* at, std::string* out) {
  if (*at >= size) return false;
  const bool huffman = (data[*at] & 0x80) != 0;
  uint64_t length = 0;
  if (!ReadInteger(data, size, at, 7, &length) || length > size - *at) return false;
  const uint8_t* start = data + *at;
  *at += static_cast<size_t>(length);
  out->clear();
  if (huffman) return HuffmanDecode(start, static_cast<size_t>(length), out);
  out->assign(reinterpret_cast<const char*>(start), static_cast<size_t>(length));
  return true;
}

void WriteInteger(uint64_t value, int prefix_bits, uint8_t first, std::string* out) {
  const uint64_t mask = (1U << prefix_bits) - 1;
  if (value < mask) {
    out->push_back(static_cast<char>(first | value));
    return;
  }
  out->push_back(static_cast<char>(first | mask));
  value -= mask;
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// An entry's size for the table's accounting (RFC 7541 4.1).
size_t EntrySize(const HeaderField& f) { return f.first.size() + f.second.size() + 32; }

}  // namespace

bool HuffmanDecode(const uint8_t* data, size_t size, std::string* out) {
  const HuffmanTree& tree = Tree();
  int at = 0;
  int depth = 0;  // bits since the last symbol
  bool all_ones = true;
  for (size_t i = 0; i < size; ++i) {
    for (int bit = 7; bit >= 0; --bit) {
      const int b = (data[i] >> bit) & 1;
      at = tree.nodes[static_cast<size_t>(at)].child[b];
      if (at < 0) return false;
      ++depth;
      all_ones = all_ones && b == 1;
      const int symbol = tree.nodes[static_cast<size_t>(at)].symbol;
      if (symbol == kEos) return false;
      if (symbol >= 0) {
        out->push_back(static_cast<char>(symbol));
        at = 0;
        depth = 0;
        all_ones = true;
      }
    }
  }
  // Padding: fewer than 8 bits, all ones (a prefix of EOS).
  return depth < 8 && all_ones;
}

bool HpackDecoder::Field(uint64_t index, HeaderField* out) const {
  if (index == 0) return false;
  if (index <= kStaticTable.size()) {
    const auto& e = kStaticTable[static_cast<size_t>(index - 1)];
    *out = HeaderField(e.first, e.second);
    return true;
  }
  const uint64_t dyn = index - kStaticTable.size() - 1;
  if (dyn >= dynamic_.size()) return false;
  *out = dynamic_[static_cast<size_t>(dyn)];
  return true;
}

void HpackDecoder::Evict() {
  while (size_ > capacity_ && !dynamic_.empty()) {
    size_ -= EntrySize(dynamic_.back());
    dynamic_.pop_back();
  }
}

void HpackDecoder::Insert(HeaderField field) {
  const size_t entry = EntrySize(field);
  if (entry > capacity_) {
    // An entry larger than the table empties it (RFC 7541 4.4).
    dynamic_.clear();
    size_ = 0;
    return;
  }
  size_ += entry;
  dynamic_.push_front(std::move(field));
  Evict();
}

bool HpackDecoder::Decode(const uint8_t* data, size_t size, std::vector<HeaderField>* out) {
  size_t at = 0;
  bool fields_seen = false;
  while (at < size) {
    const uint8_t b = data[at];
    uint64_t index = 0;
    if ((b & 0x80) != 0) {  // indexed header field
      HeaderField f;
      if (!ReadInteger(data, size, &at, 7, &index) || !Field(index, &f)) return false;
      out->push_back(std::move(f));
      fields_seen = true;
      continue;
    }
    if ((b & 0xE0) == 0x20) {  // dynamic table size update: only before the block's first field
      if (fields_seen || !ReadInteger(data, size, &at, 5, &index) || index > limit_) return false;
      capacity_ = static_cast<size_t>(index);
      Evict();
      continue;
    }
    // Literal: with incremental indexing (01, 6-bit index), without indexing (0000) or never indexed (0001).
    const bool indexing = (b & 0xC0) == 0x40;
    if (!ReadInteger(data, size, &at, indexing ? 6 : 4, &index)) return false;
    HeaderField f;
    if (index == 0) {
      if (!ReadString(data, size, &at, &f.first)) return false;
    } else {
      HeaderField named;
      if (!Field(index, &named)) return false;
      f.first = std::move(named.first);
    }
    if (!ReadString(data, size, &at, &f.second)) return false;
    if (indexing) Insert(f);
    out->push_back(std::move(f));
    fields_seen = true;
  }
  return true;
}

void HpackEncodeLiteral(const std::string& name, const std::string& value, std::string* out) {
  out->push_back(0);  // literal without indexing, new name
  WriteInteger(name.size(), 7, 0, out);
  *out += name;
  WriteInteger(value.size(), 7, 0, out);
  *out += value;
}

}  // namespace skiff
