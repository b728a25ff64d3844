# Pieces the stream benchmarks share (bench/stream.sh, bench/stream-hls.sh); source it, do not run it.

need_tools() {
  for tool in wrk nginx curl node; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install wrk nginx-light curl" >&2; exit 1; }
  done
}

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

wait_http() {
  for _ in $(seq 1 600); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "nothing answers at $1" >&2; return 1
}

# write_nginx_conf WORK PORT LOCATION DIR: nginx-light as the benchmarks run it (2 workers, sendfile
# on, tcp_nopush off, no access log), serving DIR at LOCATION on 127.0.0.1:PORT, everything under WORK.
write_nginx_conf() {
  cat > "$1/nginx.conf" <<NGINX
worker_processes 2;
pid $1/nginx.pid;
error_log $1/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush off;
  keepalive_requests 1000000;
  client_body_temp_path $1/nginx-body;
  proxy_temp_path $1/nginx-proxy;
  fastcgi_temp_path $1/nginx-fastcgi;
  uwsgi_temp_path $1/nginx-uwsgi;
  scgi_temp_path $1/nginx-scgi;
  default_type video/mp4;
  server {
    listen 127.0.0.1:$2;
    location $3 { alias $4/; }
  }
}
NGINX
}
