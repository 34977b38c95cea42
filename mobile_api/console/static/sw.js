/* The console's service worker: a pushed message becomes a system notification, and open console pages are told
   so that their inbox can offer a refresh. The payload is the server's JSON: {id, kind, title, body, alert_id …}. */

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let message;
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { title: '新消息', body: event.data.text() };
  }
  const page = message.alert_id ? `alerts/${message.alert_id}` : 'inbox';
  const url = new URL(page, self.registration.scope).href;
  event.waitUntil(Promise.all([
    self.registration.showNotification(message.title || '社区矫正工作平台', {
      body: message.body || '',
      tag: message.id ? `notification-${message.id}` : undefined,
      lang: 'zh-CN',
      data: { url, message },
    }),
    self.clients.matchAll({ type: 'window' })
      .then((clients) => clients.forEach((client) => client.postMessage({ type: 'push', message }))),
  ]));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((clients) => {
    const open = clients.find((client) => client.url === url);
    return open ? open.focus() : self.clients.openWindow(url);
  }));
});
