/* The console's little JavaScript: register the service worker on every page, and on the inbox page the switch
   for Web Push (subscribe with the server's VAPID key, hand PushSubscription.toJSON() to the API). */
(function () {
  'use strict';

  const SUBSCRIBE_TIMEOUT_MS = 20000; // a browser whose push service is unreachable never answers subscribe()
  const supported = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

  function cookie(name) {
    const found = document.cookie.split('; ').find((part) => part.startsWith(name + '='));
    return found ? decodeURIComponent(found.slice(name.length + 1)) : '';
  }

  // The API takes the console's cookie token; writes carry the double-submit CSRF header.
  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-TOKEN': cookie('csrf_access_token') },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      throw new Error((answer.error && answer.error.message) || `服务器返回 ${response.status}`);
    }
    return response.status === 204 ? null : response.json();
  }

  function base64UrlToBytes(text) {
    const padded = (text + '='.repeat((4 - (text.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function withTimeout(promise, message) {
    return Promise.race([promise, new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error(message)), SUBSCRIBE_TIMEOUT_MS);
    })]);
  }

  async function registration() {
    return navigator.serviceWorker.register(document.body.dataset.sw, { scope: document.body.dataset.scope });
  }

  function pushControls() {
    const state = document.getElementById('push-state');
    if (!state) {
      return;
    }
    const on = document.getElementById('push-on');
    const off = document.getElementById('push-off');
    const show = (text, subscribed) => {
      state.textContent = text;
      on.hidden = subscribed;
      off.hidden = !subscribed;
    };
    if (!supported) {
      state.textContent = '此浏览器不支持推送通知，消息仍会显示在本页。';
      return;
    }
    registration()
      .then((reg) => reg.pushManager.getSubscription())
      .then((subscription) => show(subscription ? '已开启推送。' : '尚未开启推送。', Boolean(subscription)))
      .catch((error) => show(`无法读取推送状态：${error.message}`, false));

    on.addEventListener('click', async () => {
      show('正在开启推送…', false);
      try {
        if (await Notification.requestPermission() !== 'granted') {
          throw new Error('浏览器未允许通知');
        }
        const reg = await registration();
        await navigator.serviceWorker.ready;
        const key = (await api('GET', '/api/v1/push/vapid-public-key')).public_key;
        const subscription = await withTimeout(reg.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: base64UrlToBytes(key),
        }), '无法连接浏览器的推送服务');
        await api('POST', '/api/v1/push-subscriptions', subscription.toJSON());
        show('已开启推送。', true);
      } catch (error) {
        show(`未能开启推送：${error.message}。消息仍会显示在本页。`, false);
      }
    });

    off.addEventListener('click', async () => {
      try {
        const subscription = await (await registration()).pushManager.getSubscription();
        if (subscription) {
          await api('DELETE', '/api/v1/push-subscriptions', { endpoint: subscription.endpoint });
          await subscription.unsubscribe();
        }
        show('已关闭推送。', false);
      } catch (error) {
        show(`未能关闭推送：${error.message}`, true);
      }
    });
  }

  function listenForPushes() {
    navigator.serviceWorker.addEventListener('message', (event) => {
      if (event.data && event.data.type === 'push') {
        const fresh = document.getElementById('inbox-fresh');
        if (fresh) {
          fresh.hidden = false;
        }
      }
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    if ('serviceWorker' in navigator && document.body.dataset.sw && document.querySelector('nav')) {
      registration().catch(() => undefined); // pages work without it; the inbox page reports the problem
      listenForPushes();
    }
    pushControls();
  });
}());
