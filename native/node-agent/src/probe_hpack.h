// HPACK (RFC 7541) for the grpc probe's HTTP/2 client: a decoder good enough for real servers (static and
// dynamic tables, table size updates, integer and string literals, Huffman-coded strings) and the one encoding
// the client sends (literal header fields without indexing, new names, raw strings). No JS.
#ifndef SKIFF_NODE_AGENT_PROBE_HPACK_H_
#define SKIFF_NODE_AGENT_PROBE_HPACK_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace skiff {

using HeaderField = std::pair<std::string, std::string>;

// Decodes the header blocks of one connection, in order (the dynamic table lives across blocks).
class HpackDecoder {
 public:
  // `max_table_size`: the SETTINGS_HEADER_TABLE_SIZE this side announced (size updates may not exceed it).
  explicit HpackDecoder(size_t max_table_size = 4096) : limit_(max_table_size), capacity_(max_table_size) {}
  // Appends the block's fields to `out`. False on a compression error (the connection is then unusable).
  bool Decode(const uint8_t* data, size_t size, std::vector<HeaderField>* out);

 private:
  bool Field(uint64_t index, HeaderField* out) const;
  void Insert(HeaderField field);
  void Evict();

  size_t limit_;
  size_t capacity_;
  size_t size_ = 0;
  std::deque<HeaderField> dynamic_;  // newest first
};

// Appends a literal header field without indexing (new name, raw strings) to `out`.
void HpackEncodeLiteral(const std::string& name, const std::string& value, std::string* out);

// Decodes a Huffman-coded string (RFC 7541 Appendix B). False on invalid padding or an EOS symbol.
bool HuffmanDecode(const uint8_t* data, size_t size, std::string* out);

}  // namespace skiff

#endif  // SKIFF_NODE_AGENT_PROBE_HPACK_H_
