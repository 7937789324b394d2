<?php

declare(strict_types=1);

namespace Libcs\Tests;

use Libcs\Exception\NotFound;
use Libcs\Exception\PermissionDenied;

final class ActorTest extends LibcsTestCase
{
    public function testACustomerSeesOnlyItsOwnTicketsAndNoInternalNotes(): void
    {
        $form = $this->webform();
        $kim = $this->contact($form, 'kim@example.com', 'Parcel');
        $lee = $this->contact($form, 'lee@example.com', 'Refund');
        $anna = $this->db->agentCreate(name: 'Anna Berger', email: 'anna@shop.example')['id'];

        $this->assertSame($this->db, $this->db->asAgent($anna));
        $this->db->messageCreate(ticket_id: $kim['ticket_id'], visibility: 'internal', body: 'VIP, be quick');
        $reply = $this->db->reply(ticket_id: $kim['ticket_id'], body: 'It ships today.');
        $this->assertIsInt($reply['message_id']);

        $this->db->asCustomer($kim['customer_id']);
        $mine = iterator_to_array($this->db->tickets());
        $this->assertSame([$kim['ticket_id']], array_column($mine, 'id'));
        $timeline = $this->db->ticketGet(id: $kim['ticket_id'], messages: true)['messages'];
        $bodies = array_column($timeline, 'body');
        $this->assertContains('It ships today.', $bodies);
        $this->assertNotContains('VIP, be quick', $bodies);
        $last = end($timeline);
        $this->assertSame(['id' => $anna, 'kind' => 'agent'], $last['author']);

        try {
            $this->db->ticketGet(id: $lee['ticket_id']);
            $this->fail("another customer's ticket was shown");
        } catch (NotFound $e) {
            $this->assertSame('id', $e->getField());
        }

        $this->db->asSystem();
        $this->assertCount(2, iterator_to_array($this->db->tickets()));
    }

    public function testNoRequestChangesWhoActs(): void
    {
        $kim = $this->db->customerCreate(name: 'Kim')['id'];
        $this->db->asCustomer($kim);
        try {
            $this->db->call('db.set_actor', ['kind' => 'system']);
            $this->fail('a customer made itself the system');
        } catch (PermissionDenied $e) {
            $this->assertSame('EPERM', $e->getCodeName());
        }
        $this->expectException(PermissionDenied::class);
        $this->db->agentCreate(name: 'Mallory');
    }
}
