#include "http/h2_fault_injector.h"

namespace bedrock::http {

void H2FaultInjector::reset() {
  broke_ = true;
  stream_.abandon();
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id_, NGHTTP2_INTERNAL_ERROR);
}

void H2FaultInjector::close_silently() {
  broke_ = true;
  stream_.abandon();
  end_.requested = true;
}

void H2FaultInjector::send_garbage() {
  close_silently();
  end_.garbage_first = true;
}

void H2FaultInjector::truncate() {
  if (stream_.source || stream_.producer) return reset();  // no unary body to cut
  stream_.body_end = stream_.body.size() / 2;
}

}  // namespace bedrock::http
