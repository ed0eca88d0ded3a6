"""The shopper's account page on Lynk's origin (`/account`, `/test/account`): pages only, over `lynk.link`."""
