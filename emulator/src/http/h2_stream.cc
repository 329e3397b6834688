#include "http/h2_stream.h"

#include <algorithm>
#include <cstring>

#include "http/allowance.h"

namespace bedrock::http {

H2Stream::~H2Stream() {
  abandon();
  if (body_reserved > 0) request_body_bytes().give_back(body_reserved);
}

void H2Stream::release_body() {
  std::string().swap(request.body);
  request_body_bytes().give_back(body_reserved);
  body_reserved = 0;
}

void H2Stream::abandon() {
  if (producer) producer->cancel();
  if (streamed_body) streamed_body->finish(/*gone=*/true);
  if (source) {
    source->cancel();
    source.reset();
  }
  if (holding_piece_ && piece_.on_sent) piece_.on_sent(false);
  holding_piece_ = false;
}

H2Stream::Data H2Stream::next_data(uint8_t* buffer, size_t length, Clock::time_point now,
                                   std::vector<Action>& sent) {
  Data data;
  if (source) return next_from_source(buffer, length, now, sent);
  if (producer) {
    ProducerOutput::Taken taken = producer->take(buffer, length);
    data.bytes = taken.bytes;
    data.end = taken.ended;
    data.fault = taken.fault;
    data.wait = taken.bytes == 0 && !taken.ended && taken.fault == Fault::kNone;
    return data;
  }
  const size_t count = std::min(length, body_end - body_offset);
  std::memcpy(buffer, body.data() + body_offset, count);
  body_offset += count;
  data.bytes = count;
  if (body_offset == body.size()) {
    data.end = true;
  } else if (body_offset == body_end && count == 0) {
    data.fault = Fault::kReset;  // truncated: half the body, then the stream breaks
  }
  return data;
}

H2Stream::Data H2Stream::next_from_source(uint8_t* buffer, size_t length, Clock::time_point now,
                                          std::vector<Action>& sent) {
  Data data;
  for (;;) {
    if (!holding_piece_) {
      piece_ = StreamPiece{};
      piece_offset_ = 0;
      if (!source->next(now, piece_)) {
        source.reset();
        data.end = true;
        return data;
      }
      holding_piece_ = true;
    }
    if (piece_.due > now) {
      data.wait = true;
      data.due = piece_.due;
      return data;
    }
    if (piece_.fault != Fault::kNone) {
      holding_piece_ = false;
      data.fault = piece_.fault;
      return data;
    }
    const size_t count = std::min(length, piece_.bytes.size() - piece_offset_);
    std::memcpy(buffer, piece_.bytes.data() + piece_offset_, count);
    piece_offset_ += count;
    if (piece_offset_ == piece_.bytes.size()) {
      holding_piece_ = false;
      if (piece_.on_sent) sent.push_back(std::move(piece_.on_sent));
    }
    if (count > 0) {
      data.bytes = count;
      return data;
    }
  }
}

}  // namespace bedrock::http
