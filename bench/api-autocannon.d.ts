// The parts of autocannon's API that bench/api.ts uses (the package ships no types).
declare module 'autocannon' {
  export interface RequestParams {
    method?: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'HEAD';
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  export interface Request extends RequestParams {
    /** Called before every request of this kind; returns the request to send. */
    setupRequest?: (request: RequestParams) => RequestParams;
  }
  export interface Options extends RequestParams {
    url: string;
    connections?: number;
    duration?: number;
    requests?: Request[];
  }
  export interface Histogram {
    average: number;
    p50: number;
    p99: number;
    total: number;
  }
  export interface Result {
    requests: Histogram;
    latency: Histogram;
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
