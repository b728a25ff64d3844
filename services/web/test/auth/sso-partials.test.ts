import { Eta } from 'eta';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES_DIR } from '../../src/app.js';

// The partials the sign-in card and /settings include, rendered as the site renders them.
const eta = new Eta({ autoEscape: true, views: DEFAULT_TEMPLATES_DIR });
const render = (name: string, model: object) => eta.render(`./partials/${name}`, model);

describe('signin-providers.eta', () => {
  it('one link-button per provider (keeping next), then the phone form', () => {
    const html = render('signin-providers', { providers: [{ id: 'test', name: 'Test' }, { id: 'gh', name: '<Hub>' }], next: '/feed' });
    expect(html).toContain('href="/auth/test?next=%2Ffeed"');
    expect(html).toContain('Sign in with Test');
    expect(html).toContain('Sign in with &lt;Hub&gt;');
    expect(html).toContain('id="phone-signin-form"');
    expect(html).toContain('/statics/js/phone-signin.js');
  });

  it('no providers configured: the phone form alone', () => {
    const html = render('signin-providers', { providers: [] });
    expect(html).not.toContain('href="/auth/');
    expect(html).toContain('id="phone-signin-form"');
  });

  it('the watch page dialog (a model without providers) gets nothing extra', () => {
    expect(render('signin-providers', { form: 'signin', error: '', next: '' }).trim()).toBe('');
  });
});

describe('settings-providers.eta and settings-phone.eta', () => {
  const model = {
    userName: 'ann',
    providers: [
      { id: 'test', name: 'Test', linkedAt: '2026-01-01T00:00:00.000Z' },
      { id: 'other', name: 'Other', linkedAt: null },
    ],
    identities: [{ provider: 'gone', linkedAt: '2026-01-01T00:00:00.000Z' }],
    phone: '+14155550100',
    phoneKnown: true,
  };

  it('linked providers have an unlink button, the others a link; retired ones can be unlinked', () => {
    const html = render('settings-providers', model);
    expect(html).toContain('data-unlink="test"');
    expect(html).toContain('href="/auth/other"');
    expect(html).toContain('Link Other');
    expect(html).toContain('data-unlink="gone"');
    expect(html).not.toContain('href="/auth/test"');
  });

  it('no providers configured and none linked: nothing at all', () => {
    expect(render('settings-providers', { ...model, providers: [], identities: [] }).trim()).toBe('');
  });

  it('the phone, when there is one, and the form to change it', () => {
    const html = render('settings-phone', model);
    expect(html).toContain('+14155550100');
    expect(html).toContain('id="phone-remove"');
    expect(html).toContain('New number');
    const none = render('settings-phone', { ...model, phone: null });
    expect(none).toContain('No phone number on this account.');
    expect(none).not.toContain('id="phone-remove"');
  });
});
