#include "http/http1_fault_injector.h"

#include "http/garbage.h"

namespace bedrock::http {

void Http1FaultInjector::reset() {
  broke_ = true;
  out_.add_close(due_, /*abortive=*/true);
}

void Http1FaultInjector::close_silently() {
  broke_ = true;
  out_.add_close(due_, /*abortive=*/false);
}

void Http1FaultInjector::send_garbage() {
  out_.append(due_, garbage_bytes());
  close_silently();
}

void Http1FaultInjector::truncate() {
  out_.append(due_, head_);
  out_.append(due_, body_.substr(0, body_.size() / 2));
  close_silently();
}

}  // namespace bedrock::http
