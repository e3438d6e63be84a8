"""Communication with the debtor: placeholders, SMS, letters (PDF) and e-mails.

Nothing here touches the database except through the services of
``contacts.messaging.services``; the other modules are pure helpers.
"""
