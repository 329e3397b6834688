#include "http/h2_connections.h"

#include "http/http2_connection.h"

namespace bedrock::http {

void Http2Connections::serve(int fd, const RequestHandler& handler, int idle_timeout_ms) {
  Http2Connection connection(fd, handler, idle_timeout_ms);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    live_.insert(&connection);
    if (stopping_) connection.begin_shutdown();
  }
  connection.run();
  std::lock_guard<std::mutex> lock(mutex_);
  live_.erase(&connection);
}

void Http2Connections::begin_shutdown() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = true;
  for (Http2Connection* connection : live_) connection->begin_shutdown();
}

void Http2Connections::close_now() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (Http2Connection* connection : live_) connection->close_now();
}

}  // namespace bedrock::http
