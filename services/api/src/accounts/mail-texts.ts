import type { Mail } from './mailer.js';

/** The mails the site sends; plain text, one link each. */
export const mails = {
  verify(to: string, userName: string, link: string): Mail {
    return {
      to,
      subject: 'Confirm your email address',
      link,
      text: [
        `Hello ${userName},`,
        '',
        'Please confirm that this is your email address by opening the link below (valid for 24 hours):',
        '',
        link,
        '',
        'If you did not ask for this, you can ignore this mail.',
      ].join('\n'),
    };
  },

  reset(to: string, userName: string, link: string): Mail {
    return {
      to,
      subject: 'Reset your password',
      link,
      text: [
        `Hello ${userName},`,
        '',
        'Someone asked to reset the password of your account. To choose a new one, open this link (valid for 1 hour):',
        '',
        link,
        '',
        'If it was not you, ignore this mail: your password stays as it is.',
      ].join('\n'),
    };
  },

  /** To the owner of an address someone tried to register again: the sign-up itself never says so. */
  alreadyRegistered(to: string, link: string): Mail {
    return {
      to,
      subject: 'Someone tried to sign up with your address',
      link,
      text: [
        'Someone tried to create an account with this email address, which already belongs to an account.',
        'The new account was created without it. If it was you and you forgot your password, reset it here:',
        '',
        link,
      ].join('\n'),
    };
  },
};
