"""Communication with the debtor: placeholders, SMS, letters (PDF) and e-mails.

Nothing here touches the database except through the services of
``contacts.messaging.services``; ``rendering`` says what a message will say (reads
only), the other modules are pure helpers.
"""
