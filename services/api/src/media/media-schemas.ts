import { Type } from '@sinclair/typebox';
import { ProcessingSchema } from '../videos/videos-schemas.js';

export const CaptionParamsSchema = Type.Object({
  username: Type.String(),
  vid: Type.String(),
  lang: Type.String({ description: 'a BCP 47 tag such as en, en-US or zh-Hans; stored in canonical case (EN-us is en-US)' }),
});

const captionTrack = {
  lang: Type.String({ description: 'the canonical BCP 47 tag' }),
  url: Type.String({ description: 'the WebVTT file on the stream server (through the web too): /videos/<id>/captions/<lang>.vtt' }),
};
export const CaptionTrackSchema = Type.Object(captionTrack);
export const CaptionCreatedSchema = Type.Object(captionTrack, { description: 'stored: the first track in this language' });
export const CaptionReplacedSchema = Type.Object(captionTrack, { description: "stored: it replaced this language's track" });

export const CaptionListSchema = Type.Object({ captions: Type.Array(CaptionTrackSchema, { description: 'sorted by lang' }) });

/** The body as the content-type parser hands it on: text, decoded and checked as UTF-8. */
const CaptionTextSchema = Type.String({ description: 'at most 1 MiB of UTF-8 text' });
export const CaptionBodySchema = {
  content: {
    'text/vtt': { schema: { ...CaptionTextSchema, description: 'WebVTT: the WEBVTT header and at least one cue' } },
    'application/x-subrip': { schema: { ...CaptionTextSchema, description: 'SubRip (.srt): converted to WebVTT' } },
  },
};

export const ReprocessResponseSchema = Type.Object({ processing: ProcessingSchema }, { description: 'the processing state just queued' });
