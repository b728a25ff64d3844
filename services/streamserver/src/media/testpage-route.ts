import type { FastifyPluginAsync } from 'fastify';

/**
 * The original's bare upload form. A form cannot send X-Session-Id, so a small script posts the
 * file with the header (or, through the web, the session cookie goes along by itself).
 */
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Upload a video</title></head>
<body>
<h1>Upload a video</h1>
<form id="upload" method="post" enctype="multipart/form-data">
  <p><label>Video id <input name="vid" required pattern="[A-Za-z0-9_-]{1,64}"></label></p>
  <p><label>Session id <input name="session"></label></p>
  <p><label>File <input type="file" name="file" accept="video/*" required></label></p>
  <p><button type="submit">Upload</button></p>
</form>
<pre id="result"></pre>
<script type="module">
const form = document.getElementById('upload');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData();
  data.append('file', form.file.files[0]);
  const headers = form.session.value ? { 'X-Session-Id': form.session.value } : {};
  const res = await fetch('upload/' + encodeURIComponent(form.vid.value), { method: 'POST', body: data, headers });
  document.getElementById('result').textContent = res.status + ' ' + (await res.text());
});
</script>
</body>
</html>
`;

export const testpageRoute: FastifyPluginAsync = async (app) => {
  app.get('/testpage', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
};
