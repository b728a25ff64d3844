// Globals of the user page: DPlayer's and tus-js-client's browser builds (served by this site from
// their npm packages) set `window.DPlayer` and `window.tus`.

/** A DPlayer pool item. `text` is HTML-escaped once DPlayer has drawn it. */
interface DanmakuItem {
  time: number;
  type: number | string;
  color: number | string;
  author?: string;
  text: string;
  id?: string;
}

/** The part of DPlayer's danmaku layer this site touches. */
interface DPlayerDanmaku {
  dan: DanmakuItem[];
  danIndex: number;
  draw(item: { text: string; color: number | string; type: number | string }): void;
  seek(): void;
}

/** DPlayer's `apiBackend` option. */
interface DanmakuBackendOptions {
  url: string;
  data: DanmakuItem;
  success?: (data: unknown) => void;
  error?: (message: string) => void;
}
interface DPlayerApiBackend {
  read(options: DanmakuBackendOptions): void;
  send(options: DanmakuBackendOptions): void;
}

/** The part of hls.js's player this site touches (DPlayer makes it for `type: 'hls'`). */
interface HlsLevel {
  height: number;
  width: number;
  bitrate: number;
}
interface HlsInstance {
  levels: HlsLevel[];
  currentLevel: number;
  nextLevel: number;
  autoLevelEnabled: boolean;
  loadSource(url: string): void;
  attachMedia(media: HTMLMediaElement): void;
  destroy(): void;
  on(event: string, handler: (event: string, data: unknown) => void): void;
}
interface HlsStatic {
  new (config?: Record<string, unknown>): HlsInstance;
  isSupported(): boolean;
}

interface DPlayerInstance {
  container: HTMLElement;
  video: HTMLVideoElement;
  danmaku?: DPlayerDanmaku;
  /** `hls` while a `type: 'hls'` video plays through hls.js. */
  plugins?: { hls?: HlsInstance };
  /** DPlayer's subtitle layer and its <track> (the caption select switches the track's src). */
  subtitle?: { show(): void; hide(): void };
  template?: { subtrack?: HTMLTrackElement | null; subtitle?: HTMLElement | null };
  on(event: string, handler: () => void): void;
  destroy(): void;
}

type DPlayerOptions = Record<string, unknown>;

interface Window {
  DPlayer?: new (options: DPlayerOptions) => DPlayerInstance;
  tus?: typeof import('tus-js-client');
  Hls?: HlsStatic;
}
